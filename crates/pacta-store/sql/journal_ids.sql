SELECT id AS "id!" FROM agreements
UNION
SELECT agreement_id FROM events
UNION
SELECT agreement_id FROM frames
UNION
SELECT agreement_id FROM balances
ORDER BY 1
