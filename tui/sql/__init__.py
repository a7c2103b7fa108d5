"""PostgreSQL SQL, one module per concern, with version differences beside it."""
