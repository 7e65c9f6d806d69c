"""HTTP pieces both front doors serve the same way: the JSON API (`app.api`) and the web app (`app.web`)."""
