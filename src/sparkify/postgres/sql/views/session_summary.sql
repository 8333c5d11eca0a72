-- Q4 Engagement in one row: sessions, users with a session, sessions per user, and the mean
-- session length (seconds) and songs per session over all sessions (short ones included).
-- Example: SELECT sessions, avg_length_seconds, avg_songs FROM session_summary;
CREATE OR REPLACE VIEW public.session_summary AS
SELECT count(*) AS sessions,
       count(DISTINCT user_id) AS users,
       coalesce(count(*)::double precision / NULLIF(count(DISTINCT user_id), 0), 0)
           AS sessions_per_user,
       coalesce(avg(length_seconds), 0)::double precision AS avg_length_seconds,
       coalesce(avg(songs), 0)::double precision AS avg_songs
FROM public.user_sessions;
COMMENT ON VIEW public.session_summary IS
    'Q4: session count, users, sessions per user, mean length (s) and mean songs per session.';
