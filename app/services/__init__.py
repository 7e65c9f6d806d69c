"""Use cases: plain functions taking a database session. The API, the web pages and the CLI call these;
none of them holds business rules of its own. Services flush; the caller commits once per use case."""
