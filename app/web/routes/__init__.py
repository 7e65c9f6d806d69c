"""The web app's page routers."""
