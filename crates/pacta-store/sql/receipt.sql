SELECT key, agreement_id, request_sha256, status, body, created_at
FROM receipts
WHERE key = $1
