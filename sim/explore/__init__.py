"""``resettle explore``: a local web app to move policy levers and see their paired effect on the base scenario."""
