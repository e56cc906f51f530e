//! The "done when", over HTTP: the seed escrow released with the three
//! fees and the rest, each posting citing §1.5; and a second instance whose
//! deadline passes with the server running, the refunds appearing by themselves.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

/// Each story runs on SQLite, and on PostgreSQL when `PACTA_TEST_DATABASE_URL` is set.
macro_rules! on_both {
    ($($story:ident => $sqlite:ident, $postgres:ident;)*) => {$(
        #[tokio::test]
        async fn $sqlite() {
            $story(Db::Sqlite).await
        }
        #[tokio::test]
        async fn $postgres() {
            $story(Db::Postgres).await
        }
    )*};
}

on_both! {
    release_story => release_story_sqlite, release_story_postgres;
    refunds_appear_by_themselves => refunds_appear_by_themselves_when_the_deadline_passes_sqlite, refunds_appear_by_themselves_when_the_deadline_passes_postgres;
    deadlines_missed_while_down_fire_at_once => deadlines_missed_while_down_fire_at_once_after_a_restart_sqlite, deadlines_missed_while_down_fire_at_once_after_a_restart_postgres;
}

async fn release_story(db: Db) {
    let Some(server) = Server::on(db, ny("2005-08-19T09:00")).await else { return };
    let id = "escrow-roo-2005";
    let e = funded_escrow(&server, id).await;
    let company = token(&e.tokens, "company");
    let nir = token(&e.tokens, "nir");

    let delivered = server
        .ok("2005-08-22T14:00", &nir, id, json!({"type": "deliver", "document": "nir_waiver", "content": "Omnibus Consent and Waiver, executed 2005-08-18"}))
        .await;
    assert!(delivered.body["entries"].as_array().unwrap().iter().any(|e| e["type"] == "deadline_met"), "{}", delivered.body);
    for (at, who) in [("2005-08-23T10:00", &company), ("2005-08-23T10:01", &e.alpha), ("2005-08-23T10:02", &e.beta), ("2005-08-23T10:03", &e.gamma)] {
        server.ok(at, who, id, json!({"type": "deliver", "document": "signature_pages", "content": "counterpart signature page"})).await;
    }
    let digest = hex::encode(pacta_server::convert::input::sha256(b"closing set"));
    server.ok("2005-08-23T16:00", &company, id, json!({"type": "deliver", "document": "closing_documents", "sha256": digest})).await;

    let conditions = server.get(&company, &format!("/v1/agreements/{id}/conditions")).await.body;
    let notice = conditions["instruments"].as_array().unwrap().iter().find(|i| i["name"] == "release_notice").unwrap().clone();
    assert_eq!(notice["missing"], json!(["company", "alpha", "beta", "gamma"]));
    assert!(conditions["documents"].as_array().unwrap().iter().all(|d| d["complete"] == true), "{conditions}");

    for (at, who, name) in [("2005-08-24T09:00", &company, "company"), ("2005-08-24T09:30", &e.alpha, "alpha"), ("2005-08-24T10:00", &e.beta, "beta")] {
        let reply = server.sign(at, who, id, "release_notice", as_written(), name).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let conditions = server.get(&e.alpha, &format!("/v1/agreements/{id}/conditions")).await.body;
    let notice = conditions["instruments"].as_array().unwrap().iter().find(|i| i["name"] == "release_notice").unwrap().clone();
    assert_eq!(notice["missing"], json!(["gamma"]));
    assert_eq!(notice["signed"].as_array().unwrap().len(), 3);

    let last = server.sign("2005-08-24T11:00", &e.gamma, id, "release_notice", as_written(), "gamma").await;
    assert_eq!(last.status, StatusCode::OK, "{}", last.body);
    let kinds: Vec<&str> = last.body["entries"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"executed") && kinds.contains(&"posted") && kinds.contains(&"closed"), "{kinds:?}");

    let postings = server.get(&company, &format!("/v1/agreements/{id}/postings")).await.body;
    let release: Vec<&Value> = postings.as_array().unwrap().iter().filter(|p| p["clause"] == "1.5").collect();
    let paid: Vec<(String, String)> = release.iter().map(|p| (p["credit"].as_str().unwrap().to_string(), p["amount"].as_str().unwrap().to_string())).collect();
    assert!(paid.contains(&("kramer".into(), "15000.00".into())), "{paid:?}");
    assert!(paid.contains(&("sichenzia".into(), "48500.00".into())), "{paid:?}");
    assert!(paid.contains(&("burnham".into(), "520000.00".into())), "{paid:?}");
    let to_company: i64 =
        release.iter().filter(|p| p["credit"] == "company").map(|p| (p["amount"].as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64).sum();
    assert_eq!(to_company, 541_650_000, "the rest to the company");
    for p in &release {
        assert!(p["why"].as_str().unwrap().starts_with("§1.5 Release"), "{}", p["why"]);
    }
    let n = release[0]["id"].as_u64().unwrap();
    let why = server.get(&e.beta, &format!("/v1/agreements/{id}/postings/{n}/why")).await;
    assert_eq!(why.status, StatusCode::OK);
    assert!(why.body["why"].as_str().unwrap().contains("Release Notice (Exhibit A) executed by company and all 3 purchasers"), "{}", why.body);

    let balances = server.get(&company, &format!("/v1/agreements/{id}/balances")).await.body;
    assert_eq!(balances["custody"][0]["total"], "0.00");
    assert_eq!(balances["sum_of_balances"], "0");
    let party = |name: &str| balances["parties"].as_array().unwrap().iter().find(|l| l["account"] == name).map(|l| l["amount"].clone());
    assert_eq!(party("company"), Some(json!("5416500.00")));
    assert_eq!(party("alpha"), Some(json!("-3000000.00")));

    // After the release, the refund deadline is met for good; a later tick moves nothing.
    server.clock.set(ny("2005-09-06T09:00"));
    let deadlines = server.get(&company, &format!("/v1/agreements/{id}/deadlines")).await.body;
    assert_eq!(deadlines[0]["status"], "met", "{deadlines}");
    assert_eq!(deadlines[0]["due"], "2005-09-03T00:00:00-04:00");
    assert_eq!(deadlines[0]["calendar"], "us-federal-reserve");

    // The journal reads back from the store with an intact hash chain.
    let journal = server.get(&company, &format!("/v1/agreements/{id}/journal")).await.body;
    let entries = journal["entries"].as_array().unwrap();
    assert_eq!(entries[0]["type"], "opened");
    assert_eq!(entries[0]["prev_hash"], "0".repeat(64));
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
        assert_eq!(pair[1]["seq"].as_u64(), pair[0]["seq"].as_u64().map(|s| s + 1));
    }
    let detail = server.get(&company, &format!("/v1/agreements/{id}")).await.body;
    assert_eq!(detail["seq"].as_u64(), entries.last().unwrap()["seq"].as_u64());
    assert_eq!(detail["accounts"][0]["closed_under"], "1.5");
    server.stop().await;
}

async fn refunds_appear_by_themselves(db: Db) {
    let Some(server) = Server::on(db, ny("2005-08-19T09:00")).await else { return };
    let id = "escrow-refund";
    let e = funded_escrow(&server, id).await;
    let company = token(&e.tokens, "company");
    server.ok("2005-08-23T16:00", &company, id, json!({"type": "deliver", "document": "closing_documents", "content": "closing set"})).await;

    // One second before the deadline: nothing moves.
    server.clock.set(ny("2005-09-02T23:59:59"));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let balances = server.get(&e.alpha, &format!("/v1/agreements/{id}/balances")).await.body;
    assert_eq!(balances["custody"][0]["total"], "6000000.00");
    let deadlines = server.get(&e.alpha, &format!("/v1/agreements/{id}/deadlines")).await.body;
    assert_eq!(deadlines[0]["status"], "pending");
    assert_eq!(deadlines[0]["seconds_left"], 1);

    // The deadline passes with the server running; no client does anything.
    server.clock.set(ny("2005-09-03T00:00:05"));
    let balances = server.eventually(&e.alpha, &format!("/v1/agreements/{id}/balances"), |b| b["custody"][0]["total"] == "0.00").await;
    let party = |name: &str| balances["parties"].as_array().unwrap().iter().find(|l| l["account"] == name).map(|l| l["amount"].clone());
    assert_eq!(party("alpha"), None, "alpha got back exactly what it put in: {balances}");
    let postings = server.get(&e.beta, &format!("/v1/agreements/{id}/postings")).await.body;
    let refunds: Vec<&Value> = postings.as_array().unwrap().iter().filter(|p| p["clause"] == "1.7").collect();
    assert_eq!(refunds.len(), 3, "{postings}");
    for p in &refunds {
        // Recorded at the deadline's own instant, not when the tick ran.
        assert_eq!(p["local"], "2005-09-03T00:00:00-04:00");
        assert!(p["why"].as_str().unwrap().starts_with("§1.7 Return of funds"), "{}", p["why"]);
    }
    let deadlines = server.get(&e.alpha, &format!("/v1/agreements/{id}/deadlines")).await.body;
    assert_eq!(deadlines[0]["status"], "fired");

    // A Release Notice completed afterwards finds the money gone.
    let nir = token(&e.tokens, "nir");
    server.ok("2005-09-06T10:00", &nir, id, json!({"type": "deliver", "document": "nir_waiver", "content": "too late"})).await;
    let metrics = server.http.get(format!("{}/metrics", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("pacta_deadlines_fired_total 1"), "{metrics}");
    server.stop().await;
}

async fn deadlines_missed_while_down_fire_at_once(db: Db) {
    let Some(server) = Server::on(db, ny("2005-08-19T09:00")).await else { return };
    let id = "escrow-restart";
    let e = funded_escrow(&server, id).await;
    // Down over the deadline: the clock moves while nothing runs.
    let mut server = server;
    if let Some(running) = server.running.take() {
        running.shutdown().await.expect("clean shutdown");
    }
    server.clock.set(ny("2005-09-07T12:00"));
    let server = server.restart().await;
    let balances = server.eventually(&e.gamma, &format!("/v1/agreements/{id}/balances"), |b| b["custody"][0]["total"] == "0.00").await;
    assert_eq!(balances["sum_of_balances"], "0");
    let journal = server.get(ADMIN, &format!("/v1/agreements/{id}/journal")).await.body;
    let fired = journal["entries"].as_array().unwrap().iter().find(|e| e["type"] == "deadline_fired").expect("fired").clone();
    assert_eq!(fired["local"], "2005-09-03T00:00:00-04:00", "recorded at the original due instant");
    // The tokens issued before the restart still work: only their hashes were kept.
    assert_eq!(server.get(&e.alpha, "/v1/agreements").await.status, StatusCode::OK);
    server.stop().await;
}
