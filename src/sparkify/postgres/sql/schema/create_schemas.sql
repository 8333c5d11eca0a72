-- Bookkeeping (manifest, rejects) and staging live outside `public`, which holds only what
-- analysts query: the star and the events fact.
CREATE SCHEMA IF NOT EXISTS sparkify;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS staging2;  -- the loader's second staging slot
