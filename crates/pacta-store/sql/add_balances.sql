INSERT INTO balances (agreement_id, account, minor)
SELECT
    j.value ->> 'agreement_id',
    j.value ->> 'account',
    CAST(j.value ->> 'delta' AS BIGINT)
FROM json_each($1) AS j
WHERE true
ON CONFLICT (agreement_id, account) DO UPDATE SET minor = balances.minor + excluded.minor
