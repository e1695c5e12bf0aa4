"""The six simulated systems, one FastAPI app factory per module: `create_app(...)`."""
