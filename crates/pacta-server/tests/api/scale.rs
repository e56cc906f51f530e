//! Group commit under concurrent load, and two servers on one PostgreSQL
//! database racing a deadline: every deadline fires once, no escrow is both
//! released and refunded.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

fn metric(text: &str, name: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok())).unwrap_or(0.0)
}

async fn metrics(server: &Server) -> String {
    server.http.get(format!("{}/metrics", server.url)).send().await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commands_share_group_commits() {
    let server = Server::start().await;
    let id = "escrow-load";
    let e = funded_escrow(&server, id).await;
    server.clock.set(ny("2005-08-23T09:00"));
    let before = metrics(&server).await;
    const N: usize = 300;
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let (http, url, token) = (server.http.clone(), format!("{}/v1/agreements/{id}/commands", server.url), e.alpha.clone());
            tokio::spawn(async move {
                let body = json!({"type": "deposit", "account": "escrow", "amount": "1.00"}).to_string();
                http.post(url).bearer_auth(token).header("Idempotency-Key", format!("load-{i}")).body(body).send().await.expect("request").status()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    let after = metrics(&server).await;
    let commands = metric(&after, "pacta_batch_size_sum") - metric(&before, "pacta_batch_size_sum");
    let batches = metric(&after, "pacta_batch_size_count") - metric(&before, "pacta_batch_size_count");
    assert_eq!(commands as usize, N);
    assert!(batches < N as f64, "{N} concurrent commands took {batches} commits: no batching");
    let balances = server.get(&e.alpha, &format!("/v1/agreements/{id}/balances")).await.body;
    assert_eq!(balances["custody"][0]["total"], "6000300.00");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_race_the_deadline_on_postgres() {
    let Some(a) = Server::on(Db::Postgres, ny("2005-08-19T09:00")).await else { return };
    const ROUNDS: usize = 8;
    let mut escrows = Vec::new();
    for round in 0..ROUNDS {
        let id = format!("race-{round}");
        let e = funded_escrow(&a, &id).await;
        let company = token(&e.tokens, "company");
        for (at, who) in [("2005-08-23T10:00", &company), ("2005-08-23T10:01", &e.alpha), ("2005-08-23T10:02", &e.beta), ("2005-08-23T10:03", &e.gamma)] {
            a.ok(at, who, &id, json!({"type": "deliver", "document": "signature_pages", "content": "page"})).await;
        }
        a.ok("2005-08-23T16:00", &company, &id, json!({"type": "deliver", "document": "closing_documents", "content": "closing"})).await;
        for (at, who, name) in [("2005-08-24T09:00", &company, "company"), ("2005-08-24T09:30", &e.alpha, "alpha"), ("2005-08-24T10:00", &e.beta, "beta")] {
            assert_eq!(a.sign(at, who, &id, "release_notice", as_written(), name).await.status, StatusCode::OK);
        }
        escrows.push((id, e));
    }
    // The waiver is still missing. Server B starts (and recovers everything) just before the deadline.
    a.clock.set(ny("2005-09-02T23:59:59.999"));
    let b = a.second().await;
    // A's clock reaches the deadline: its scheduler fires the refunds. At the same
    // moment B (a millisecond earlier by its clock) takes the waiver and the last signature.
    let (go, ready) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for (id, e) in &escrows {
        let nir = token(&e.tokens, "nir");
        let signature = b.signature(&e.gamma, id, "release_notice", &as_written(), "gamma").await;
        let (http, url) = (b.http.clone(), format!("{}/v1/agreements/{id}/commands", b.url));
        let gamma = e.gamma.clone();
        let id = id.clone();
        let mut ready = ready.clone();
        // Staggered around the moment A's clock reaches the deadline, so some
        // escrows' waivers race the refund from either side.
        let delay = std::time::Duration::from_millis(2 * tasks.len() as u64);
        tasks.push(tokio::spawn(async move {
            let _ = ready.wait_for(|go| *go).await;
            tokio::time::sleep(delay).await;
            let waiver = json!({"type": "deliver", "document": "nir_waiver", "content": "waiver"}).to_string();
            let w = http.post(&url).bearer_auth(&nir).header("Idempotency-Key", format!("{id}-w")).body(waiver).send().await.unwrap().status();
            let sign = json!({"type": "sign", "instrument": "release_notice", "terms": {"kind": "as_written"}, "signature": signature}).to_string();
            let s = http.post(&url).bearer_auth(&gamma).header("Idempotency-Key", format!("{id}-s")).body(sign).send().await.unwrap().status();
            (w, s)
        }));
    }
    let _ = go.send(true);
    tokio::time::sleep(std::time::Duration::from_millis(ROUNDS as u64)).await;
    a.clock.set(ny("2005-09-03T00:00"));
    for task in tasks {
        let (waiver, sign) = task.await.unwrap();
        assert!(waiver == StatusCode::OK, "the waiver is always journaled (in time or late): {waiver}");
        assert!(sign == StatusCode::OK || sign == StatusCode::UNPROCESSABLE_ENTITY, "{sign}");
    }
    b.clock.set(ny("2005-09-03T00:00:01"));
    let (mut released, mut refunded) = (0, 0);
    for (id, _) in &escrows {
        let balances = a.eventually(ADMIN, &format!("/v1/agreements/{id}/balances"), |b| b["custody"][0]["total"] == "0.00").await;
        let journal = a.get(ADMIN, &format!("/v1/agreements/{id}/journal")).await.body;
        let entries = journal["entries"].as_array().unwrap();
        let fired = entries.iter().filter(|e| e["type"] == "deadline_fired").count();
        let clauses: Vec<&str> = entries.iter().filter(|e| e["type"] == "posted").filter_map(|e| e["event"]["cause"]["clause"].as_str()).collect();
        let release = clauses.contains(&"1.5");
        let refund = clauses.contains(&"1.7");
        assert!(fired <= 1, "{id}: the deadline fired {fired} times");
        assert!(release != refund, "{id}: exactly one outcome (release {release}, refund {refund}): {balances}");
        for pair in entries.windows(2) {
            assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "{id}: the chain holds");
        }
        if release {
            released += 1;
        } else {
            refunded += 1;
        }
    }
    eprintln!("race: {ROUNDS} escrows, {released} released, {refunded} refunded, 0 double outcomes");
    let report = pacta_store::verify(&a.running.as_ref().unwrap().store, |_| {}).await.expect("verify runs");
    assert!(report.is_clean(), "the journal verifies");
    b.stop().await;
    a.stop().await;
}
