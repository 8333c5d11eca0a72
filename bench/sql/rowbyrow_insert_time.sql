-- Tutorial: one INSERT per song play, parts computed in the client (UTC, ISO week and weekday).
INSERT INTO public.time (start_time, hour, day, week, month, year, weekday)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (start_time) DO NOTHING
