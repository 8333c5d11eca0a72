-- Read access for {role}: the star, events, user_song_plays, every analytics view and function
-- in public, and the bookkeeping in sparkify (manifest, rejects); nothing in the staging
-- schemas, and no write anywhere. Default privileges cover what the owner (the role running
-- this, the one that loads) creates later, views included.
GRANT CONNECT ON DATABASE {database} TO {role};
GRANT USAGE ON SCHEMA public, sparkify TO {role};
GRANT SELECT ON ALL TABLES IN SCHEMA public, sparkify TO {role};
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public, sparkify TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public, sparkify GRANT SELECT ON TABLES TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public, sparkify GRANT EXECUTE ON FUNCTIONS TO {role};
