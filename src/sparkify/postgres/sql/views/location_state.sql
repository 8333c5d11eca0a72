-- location_state(location): the principal state of an eventsim location, the first code after
-- the last comma ('New York-Newark-Jersey City, NY-NJ-PA' -> 'NY'). A metro area that spans
-- several states counts once, for the state it is named after. NULL when there is no comma.
-- Example: SELECT location_state('Austin-Round Rock, TX');
CREATE OR REPLACE FUNCTION public.location_state(location text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NULLIF(btrim(split_part(substring(location FROM ',([^,]*)$'), '-', 1)), '')
$$;
COMMENT ON FUNCTION public.location_state(text) IS
    'Principal state of an eventsim location: the first state code after the last comma.';
