"""Server-rendered pages (Jinja2): respondents fill in assessments, consultants run them.

Pages call the same services as the API; templates only display what they are given.
"""
