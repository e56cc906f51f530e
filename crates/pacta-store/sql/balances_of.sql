SELECT agreement_id, account, minor
FROM balances
WHERE agreement_id IN (SELECT j.value ->> 'id' FROM json_each($1) AS j)
