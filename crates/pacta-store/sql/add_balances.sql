WITH rows AS MATERIALIZED (SELECT jsonb(j.value) AS r FROM json_each($1) AS j)
INSERT INTO balances (agreement_id, account, minor)
SELECT r ->> 0, r ->> 1, CAST(r ->> 2 AS BIGINT)
FROM rows
WHERE true
ON CONFLICT (agreement_id, account) DO UPDATE SET minor = balances.minor + excluded.minor
