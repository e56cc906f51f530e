SELECT body FROM sources WHERE sha256 = $1
