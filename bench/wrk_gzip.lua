-- Ask for gzip as calendar apps and browsers do.
wrk.headers["Accept-Encoding"] = "gzip"
