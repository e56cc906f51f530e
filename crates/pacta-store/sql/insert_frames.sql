WITH rows AS MATERIALIZED (SELECT jsonb(j.value) AS r FROM json_each($1) AS j)
INSERT INTO frames (agreement_id, first_seq, last_seq, body, balances)
SELECT
    r ->> 0,
    CAST(r ->> 1 AS BIGINT),
    CAST(r ->> 2 AS BIGINT),
    substr(CAST($2 AS BLOB), CAST(r ->> 3 AS INTEGER) + 1, CAST(r ->> 4 AS INTEGER)),
    substr(CAST($2 AS BLOB), CAST(r ->> 5 AS INTEGER) + 1, CAST(r ->> 6 AS INTEGER))
FROM rows
