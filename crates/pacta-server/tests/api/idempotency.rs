//! Every write takes an Idempotency-Key; a retry returns the first answer byte
//! for byte and applies nothing again.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_retried_write_returns_the_first_answer_byte_for_byte() {
    let server = Server::start().await;
    let id = "escrow-idem";
    let e = funded_escrow(&server, id).await;
    let path = format!("/v1/agreements/{id}/commands");
    let body = json!({"type": "deposit", "account": "escrow", "amount": "500.00"}).to_string().into_bytes();

    server.clock.set(ny("2005-08-23T09:00"));
    let first = server.post_raw(Some(&e.alpha), &path, body.clone(), Some("deposit-1")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(!first.replayed);
    server.clock.set(ny("2005-08-23T09:05"));
    let again = server.post_raw(Some(&e.alpha), &path, body.clone(), Some("deposit-1")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.replayed);
    assert_eq!(again.bytes, first.bytes, "byte for byte");
    let balances = server.get(&e.alpha, &format!("/v1/agreements/{id}/balances")).await.body;
    assert_eq!(balances["custody"][0]["total"], "6000500.00", "applied once");

    // Same key, another request: refused, nothing applied.
    let other = json!({"type": "deposit", "account": "escrow", "amount": "700.00"}).to_string().into_bytes();
    let reused = server.post_raw(Some(&e.alpha), &path, other, Some("deposit-1")).await;
    assert_eq!((reused.status, reused.code()), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));

    // Keys are per caller: beta's "deposit-1" is its own.
    let beta = server.post_raw(Some(&e.beta), &path, body.clone(), Some("deposit-1")).await;
    assert_eq!(beta.status, StatusCode::OK);
    assert!(!beta.replayed);

    // A rejection is an answer too, and replays as such.
    let closed = json!({"type": "deposit", "account": "nowhere", "amount": "1.00"}).to_string().into_bytes();
    let r1 = server.post_raw(Some(&e.alpha), &path, closed.clone(), Some("bad-1")).await;
    let r2 = server.post_raw(Some(&e.alpha), &path, closed, Some("bad-1")).await;
    assert_eq!(r1.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((r2.status, r2.bytes.clone(), r2.replayed), (r1.status, r1.bytes.clone(), true));

    // The answers survive a restart.
    let server = server.restart().await;
    let after = server.post_raw(Some(&e.alpha), &path, body, Some("deposit-1")).await;
    assert_eq!(after.bytes, first.bytes);
    let balances = server.get(&e.alpha, &format!("/v1/agreements/{id}/balances")).await.body;
    assert_eq!(balances["custody"][0]["total"], "6001000.00");
    server.stop().await;
}

#[tokio::test]
async fn concurrent_duplicates_apply_once() {
    let server = Server::start().await;
    let id = "escrow-race";
    let e = funded_escrow(&server, id).await;
    let path = format!("/v1/agreements/{id}/commands");
    let body = json!({"type": "deposit", "account": "escrow", "amount": "1.00"}).to_string().into_bytes();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (http, url, token, body) = (server.http.clone(), format!("{}{path}", server.url), e.gamma.clone(), body.clone());
            tokio::spawn(async move {
                let response = http.post(url).bearer_auth(token).header("Idempotency-Key", "same-key").body(body).send().await.expect("request");
                let replayed = response.headers().get("idempotent-replayed").is_some();
                (response.status(), replayed, response.bytes().await.expect("body").to_vec())
            })
        })
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("task"));
    }
    assert!(replies.iter().all(|r| r.0 == StatusCode::OK), "{replies:?}");
    assert!(replies.windows(2).all(|w| w[0].2 == w[1].2));
    assert_eq!(replies.iter().filter(|r| !r.1).count(), 1);
    let balances = server.get(&e.gamma, &format!("/v1/agreements/{id}/balances")).await.body;
    assert_eq!(balances["custody"][0]["total"], "6000001.00");
    server.stop().await;
}

#[tokio::test]
async fn writes_without_a_key_are_refused() {
    let server = Server::start().await;
    let id = "escrow-nokey";
    let e = funded_escrow(&server, id).await;
    let before = server.observe(id).await;
    let body = json!({"type": "deposit", "account": "escrow", "amount": "1.00"}).to_string().into_bytes();
    let reply = server.post_raw(Some(&e.alpha), &format!("/v1/agreements/{id}/commands"), body, None).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::BAD_REQUEST, "idempotency_key_required"));
    let open = server.post_raw(Some(ADMIN), "/v1/agreements", json!({"id": "x", "source": ESCROW}).to_string().into_bytes(), None).await;
    assert_eq!(open.code(), "idempotency_key_required");
    assert_eq!(server.observe(id).await, before);
    server.stop().await;
}

#[tokio::test]
async fn a_replayed_open_does_not_show_the_tokens_again() {
    let server = Server::start().await;
    let body = json!({"id": "escrow-once", "source": ESCROW}).to_string().into_bytes();
    let first = server.post_raw(Some(ADMIN), "/v1/agreements", body.clone(), Some("open-once")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(first.body["tokens"]["company"].is_string());
    let again = server.post_raw(Some(ADMIN), "/v1/agreements", body, Some("open-once")).await;
    assert_eq!((again.status, again.replayed), (StatusCode::CREATED, true));
    assert_eq!(again.body["tokens"]["company"], serde_json::Value::Null, "tokens are shown once");
    assert_eq!(again.body["agreement"], first.body["agreement"]);
    assert_eq!(server.get(ADMIN, "/v1/agreements").await.body.as_array().unwrap().len(), 1);
    server.stop().await;
}

/// The answer is kept in the same transaction as the events it answers: once a
/// command's events are in the journal, so is its answer, whatever happens to
/// the server after the commit. Here the step after the commit fails (the token
/// table is gone, so the new member's token cannot be stored and the reply is an
/// error), and the server is then dropped without a graceful shutdown: the
/// client's retry with the same key gets the stored answer, and the command is
/// not applied again.
#[tokio::test]
async fn a_replayed_write_after_its_commit_returns_the_stored_answer() {
    let mut server = Server::start().await;
    let id = "escrow-lost-answer";
    let e = funded_escrow(&server, id).await;
    let path = format!("/v1/agreements/{id}/commands");
    let store = server.running.as_ref().expect("running").store.clone();

    // A deposit: its receipt is in the store as soon as its events are.
    let deposit = json!({"type": "deposit", "account": "escrow", "amount": "250.00"}).to_string().into_bytes();
    server.clock.set(ny("2005-08-23T09:00"));
    let first = server.post_raw(Some(&e.alpha), &path, deposit.clone(), Some("deposit-lost")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let receipt = store.receipt(&format!("{id}/alpha\ndeposit-lost")).await.unwrap().expect("the receipt committed with the deposit");
    assert_eq!((receipt.status, receipt.agreement_id.as_str(), &receipt.body), (200, id, &first.bytes));

    // A join whose post-commit step fails: the reply is lost to the client.
    let pool = store.sqlite_pool().expect("SQLite").clone();
    sqlx::query("ALTER TABLE server_tokens RENAME TO server_tokens_away").execute(&pool).await.unwrap();
    let public_key = hex::encode(pacta_core::consent::demo_signing_key("delta").verifying_key().to_bytes());
    let join = json!({"type": "join", "role": "purchaser", "member": "delta", "legal_name": "Delta LP", "public_key": public_key}).to_string().into_bytes();
    let lost = server.post_raw(Some(ADMIN), &path, join.clone(), Some("join-lost")).await;
    assert_eq!((lost.status, lost.code()), (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"), "{}", lost.body);
    sqlx::query("ALTER TABLE server_tokens_away RENAME TO server_tokens").execute(&pool).await.unwrap();

    // The server goes away without finishing anything; another starts on the file.
    drop(server.running.take());
    let server = server.restart().await;

    // Both retries are answered from the receipts, and nothing runs again.
    let again = server.post_raw(Some(&e.alpha), &path, deposit, Some("deposit-lost")).await;
    assert_eq!((again.status, again.replayed, &again.bytes), (StatusCode::OK, true, &first.bytes));
    let joined = server.post_raw(Some(ADMIN), &path, join, Some("join-lost")).await;
    assert_eq!((joined.status, joined.replayed), (StatusCode::OK, true), "{}", joined.body);
    assert_eq!(joined.body["command"], "join");
    assert_eq!(joined.body["token"], serde_json::Value::Null, "a token is a secret returned once; the receipt has it blanked");
    let balances = server.get(&e.alpha, &format!("/v1/agreements/{id}/balances")).await.body;
    assert_eq!(balances["custody"][0]["total"], "6000250.00", "the deposit applied once");
    let detail = server.get(ADMIN, &format!("/v1/agreements/{id}")).await.body;
    let text = detail.to_string();
    assert_eq!(text.matches("Delta LP").count(), 1, "delta joined once: {text}");
    server.stop().await;
}

/// Two servers on one PostgreSQL database get the same write with the same key
/// at the same moment: it is applied once. The second to commit finds the key's
/// receipt already stored (the store refuses the batch, the writer drops that
/// command and commits the rest) and answers `conflict`; a retry gets the replay.
#[tokio::test]
async fn two_servers_given_one_key_at_once_apply_it_once() {
    let Some(server) = Server::on(Db::Postgres, ny("2005-08-19T09:00")).await else { return };
    let id = "escrow-one-key-two-servers";
    let e = funded_escrow(&server, id).await;
    let other = server.second().await;
    server.clock.set(ny("2005-08-23T09:00"));
    other.clock.set(ny("2005-08-23T09:00"));
    let path = format!("/v1/agreements/{id}/commands");
    let body = json!({"type": "deposit", "account": "escrow", "amount": "1.00"}).to_string().into_bytes();
    let mut conflicts = 0;
    for n in 0..20 {
        let key = format!("both-{n}");
        let (a, b) =
            tokio::join!(server.post_raw(Some(&e.alpha), &path, body.clone(), Some(&key)), other.post_raw(Some(&e.alpha), &path, body.clone(), Some(&key)));
        for (reply, on) in [(a, &server), (b, &other)] {
            match reply.status {
                StatusCode::OK => {}
                StatusCode::CONFLICT => {
                    conflicts += 1;
                    let again = on.post_raw(Some(&e.alpha), &path, body.clone(), Some(&key)).await;
                    assert_eq!((again.status, again.replayed), (StatusCode::OK, true), "{}", again.body);
                }
                status => panic!("{status}: {}", reply.body),
            }
        }
    }
    eprintln!("20 keys sent to two servers at once: {conflicts} answered `conflict` (then replayed)");
    let balances = server.get(&e.alpha, &format!("/v1/agreements/{id}/balances")).await.body;
    assert_eq!(balances["custody"][0]["total"], "6000020.00", "each key applied once");
    other.stop().await;
    server.stop().await;
}
