"""``resettle explore``: a local web app to move policy levers and see their paired effect on the base scenario."""

LOCAL_HOST = "127.0.0.1"  # this machine only
DEFAULT_PORT = 8765
