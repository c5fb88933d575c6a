"""Use cases, one module per aggregate: each takes the signed-in actor and does the work through the
repositories, the Temporal client and S3. The API calls them; nothing below imports them."""
