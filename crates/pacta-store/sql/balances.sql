SELECT agreement_id, account, minor
FROM balances
WHERE agreement_id = $1
ORDER BY account
