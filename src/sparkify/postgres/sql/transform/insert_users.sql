-- Users of the batch's logged-in events, from each user's latest event (rules.USER_LATEST:
-- by ts, ties to the later file and line). An older event never overwrites a newer one,
-- whatever the load order; a tie with the row's own event is settled by refresh_users.sql.
-- `last_instant` narrows the batch to each user's last instant first, so only a handful of
-- rows are sorted.
WITH last_instant AS (
    SELECT user_id, max(ts) AS ts
    FROM staging.events
    WHERE user_id IS NOT NULL
    GROUP BY user_id
), candidates AS (
    SELECT e.user_id, e.first_name, e.last_name, e.gender, e.level, e.location, e.ts, f.path,
           e.line
    FROM staging.events e
    JOIN last_instant USING (user_id, ts)
    JOIN staging.files f USING (file_idx)
)
INSERT INTO public.users AS u (user_id, first_name, last_name, gender, level, location, last_seen_at)
SELECT user_id, first_name, last_name, gender, level, location, {{ms_to_timestamp(ts)}}
FROM {{latest(users, candidates)}} AS latest
ON CONFLICT (user_id) DO UPDATE SET
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    gender = excluded.gender,
    level = excluded.level,
    location = excluded.location,
    last_seen_at = excluded.last_seen_at
WHERE excluded.last_seen_at > u.last_seen_at;  -- a tie: find_user_ties.sql
