"""The shell of the web app: base templates, static assets, sign-in and navigation."""
