"""The PostgreSQL loader: plan, stage, transform, finish, tied by pipeline.load."""
