-- location_metro(location): the metro area of an eventsim location, the part before the last
-- comma ('Austin-Round Rock, TX' -> 'Austin-Round Rock'). NULL stays NULL; a location without a
-- comma is taken whole.
-- Example: SELECT location_metro('New York-Newark-Jersey City, NY-NJ-PA');
CREATE OR REPLACE FUNCTION public.location_metro(location text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN strpos(location, ',') = 0 THEN btrim(location)
                ELSE btrim(regexp_replace(location, ',[^,]*$', '')) END
$$;
COMMENT ON FUNCTION public.location_metro(text) IS
    'Metro area of an eventsim location: the part before the last comma.';
