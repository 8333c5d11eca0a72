-- Q4 Sessions: one row per (session_id, user_id) over logged-in events (user_id set). length is
-- the last event's time minus the first's, in seconds (0 for a one-event session); songs counts
-- its NextSong events.
-- Example: SELECT user_id, count(*) AS sessions, avg(length_seconds) FROM user_sessions GROUP BY 1;
CREATE OR REPLACE VIEW public.user_sessions AS
SELECT session_id,
       user_id,
       min(event_time) AS started_at,
       max(event_time) AS ended_at,
       extract(epoch FROM max(event_time) - min(event_time))::double precision AS length_seconds,
       count(*) AS events,
       count(*) FILTER (WHERE {{is_play(page)}}) AS songs
FROM public.events
WHERE user_id IS NOT NULL
GROUP BY session_id, user_id;
COMMENT ON VIEW public.user_sessions IS
    'Q4: one row per (session_id, user_id) of logged-in events: start, end, length in seconds, events, songs.';
