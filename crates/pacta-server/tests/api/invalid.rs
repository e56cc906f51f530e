//! Bad input of every kind gets its documented code and changes nothing: the
//! agreement, its journal, balances and checklist read the same before and after.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn bad_commands_get_their_codes_and_change_nothing() {
    let server = Server::start().await;
    let id = "escrow-bad";
    let e = funded_escrow(&server, id).await;
    let company = token(&e.tokens, "company");
    let path = format!("/v1/agreements/{id}/commands");
    server.clock.set(ny("2005-08-23T09:00"));
    let before = server.observe(id).await;

    let raw: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        ("malformed JSON", br#"{"type":"deposit","account":"escrow","amount":"1.00""#.to_vec(), StatusCode::BAD_REQUEST, "invalid_json"),
        ("not an object", b"[1,2,3]".to_vec(), StatusCode::BAD_REQUEST, "invalid_type"),
        (
            "unknown field",
            json!({"type":"deposit","account":"escrow","amount":"1.00","memo":"x"}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "unknown_field",
        ),
        ("explicit time", json!({"type":"tick","at":"2005-01-01T00:00:00Z"}).to_string().into_bytes(), StatusCode::BAD_REQUEST, "unknown_field"),
        ("wrong type", json!({"type":"deposit","account":"escrow","amount":100}).to_string().into_bytes(), StatusCode::BAD_REQUEST, "invalid_type"),
        ("missing field", json!({"type":"deposit","account":"escrow"}).to_string().into_bytes(), StatusCode::BAD_REQUEST, "missing_field"),
        ("unknown command", json!({"type":"withdraw","account":"escrow"}).to_string().into_bytes(), StatusCode::BAD_REQUEST, "unknown_type"),
        (
            "oversized body",
            {
                let mut big = br#"{"type":"dispute","reason":""#.to_vec();
                big.extend(std::iter::repeat_n(b'x', 1_100_000));
                big.extend_from_slice(br#""}"#);
                big
            },
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "three decimals",
            json!({"type":"deposit","account":"escrow","amount":"15,000.001"}).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_amount",
        ),
        (
            "overflow",
            json!({"type":"deposit","account":"escrow","amount":"99,999,999,999,999,999,999.00"}).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_amount",
        ),
        (
            "bad separators",
            json!({"type":"deposit","account":"escrow","amount":"1,00.00"}).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_amount",
        ),
        (
            "negative",
            json!({"type":"deposit","account":"escrow","amount":"-5.00"}).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_amount",
        ),
        (
            "bad hex",
            json!({"type":"deliver","document":"signature_pages","sha256":"xyz"}).to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
        ),
    ];
    for (what, body, status, code) in raw {
        let key = server.fresh_key();
        let reply = server.post_raw(Some(&e.alpha), &path, body, Some(&key)).await;
        assert_eq!((reply.status, reply.code()), (status, code), "{what}: {}", reply.body);
        assert!(!reply.body["message"].as_str().unwrap_or("").is_empty(), "{what} has a message");
    }
    let fields = server.command(&e.alpha, id, json!({"type":"deposit","account":"escrow","amount":"1.001"})).await;
    assert_eq!(fields.body["field"], "amount");
    let unknown = server.command(&e.alpha, id, json!({"type":"deposit","account":"escrow","amount":"1.00","amout":"2"})).await;
    assert_eq!(unknown.body["field"], "amout");

    // Engine rejections: each with its code (and clause where one applies).
    let engine: Vec<(&str, &str, serde_json::Value, StatusCode, &str)> = vec![
        ("unknown account", &e.alpha, json!({"type":"deposit","account":"savings","amount":"1.00"}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_account"),
        ("zero deposit", &e.alpha, json!({"type":"deposit","account":"escrow","amount":"0.00"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_amount"),
        ("over the limit", &e.alpha, json!({"type":"deposit","account":"escrow","amount":"7,000,000.00"}), StatusCode::UNPROCESSABLE_ENTITY, "limit_exceeded"),
        (
            "unknown role",
            ADMIN,
            json!({"type":"join","role":"investor","member":"zeta","legal_name":"Z","public_key":"11".repeat(32)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_party",
        ),
        (
            "notice to nobody",
            &company,
            json!({"type":"send_notice","to":"mallory","method":"email","subject":"hi"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_party",
        ),
        ("unknown document", &company, json!({"type":"deliver","document":"bribe","content":"x"}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_document"),
        ("not permitted", &company, json!({"type":"deposit","account":"escrow","amount":"1.00"}), StatusCode::FORBIDDEN, "not_permitted"),
    ];
    for (what, caller, body, status, code) in engine {
        let reply = server.command(caller, id, body).await;
        assert_eq!((reply.status, reply.code()), (status, code), "{what}: {}", reply.body);
    }
    // A member key that is not a point on the curve is refused at the edge, before the engine.
    let not_a_point = (0..=255u8).map(|b| [b; 32]).find(|k| pacta_core::consent::PublicKey::from_bytes(k).is_none()).expect("some bytes are not a key");
    let join = json!({"type":"join","role":"purchaser","member":"zeta","legal_name":"Z","public_key":hex::encode(not_a_point)});
    let reply = server.command(ADMIN, id, join).await;
    assert_eq!((reply.status, reply.code(), reply.body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "bad_key", Some("public_key")), "{}", reply.body);
    let limit = server.command(&e.alpha, id, json!({"type":"deposit","account":"escrow","amount":"7,000,000.00"})).await;
    assert_eq!(limit.body["clause"], "1.1", "{}", limit.body);

    // Signatures: another's key, malformed, and a replay of a good one.
    let forged = server.signature(&e.gamma, id, "release_notice", &as_written(), "alpha").await;
    let reply = server.command(&e.gamma, id, json!({"type":"sign","instrument":"release_notice","terms":as_written(),"signature":forged})).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::UNPROCESSABLE_ENTITY, "bad_signature"));
    let reply = server.command(&e.gamma, id, json!({"type":"sign","instrument":"release_notice","terms":as_written(),"signature":"abcd"})).await;
    assert_eq!((reply.status, reply.code(), reply.body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", Some("signature")));
    // Alpha's signature replayed by beta for itself does not verify for beta.
    let alpha_sig = server.signature(&e.alpha, id, "release_notice", &as_written(), "alpha").await;
    let reply = server.command(&e.beta, id, json!({"type":"sign","instrument":"release_notice","terms":as_written(),"signature":alpha_sig})).await;
    assert_eq!(reply.code(), "bad_signature");

    // Unknown agreement (admin sees 404), unknown route, wrong method.
    let reply = server.command(ADMIN, "no-such-agreement", json!({"type":"tick"})).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(server.get(ADMIN, "/v1/nothing-here").await.code(), "not_found");
    let wrong = server.http.delete(format!("{}/v1/agreements/{id}", server.url)).bearer_auth(ADMIN).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(server.get(ADMIN, &format!("/v1/agreements/{id}/postings/abc/why")).await.code(), "not_found");
    assert_eq!(server.get(ADMIN, &format!("/v1/agreements/{id}/postings/99/why")).await.code(), "not_found");
    assert_eq!(server.get(ADMIN, &format!("/v1/agreements/{id}/journal?after=x")).await.code(), "invalid_query");

    assert_eq!(server.observe(id).await, before, "nothing changed");

    // A replayed signature: accepted once, then refused as a duplicate, changing nothing.
    let sig = server.signature(&e.alpha, id, "release_notice", &as_written(), "alpha").await;
    let sign = json!({"type":"sign","instrument":"release_notice","terms":as_written(),"signature":sig});
    assert_eq!(server.command(&e.alpha, id, sign.clone()).await.status, StatusCode::OK);
    let after_first = server.observe(id).await;
    let replay = server.command(&e.alpha, id, sign).await;
    assert_eq!((replay.status, replay.code()), (StatusCode::UNPROCESSABLE_ENTITY, "duplicate"));
    assert_eq!(server.observe(id).await, after_first);
    server.stop().await;
}

#[tokio::test]
async fn a_clock_stepped_back_never_moves_an_agreement_back_in_time() {
    let server = Server::start().await;
    let id = "escrow-clock";
    let e = funded_escrow(&server, id).await;
    // The last event is at 2005-08-22 09:15; the server clock now reads earlier.
    server.clock.set(ny("2005-08-20T00:00"));
    let reply = server.command(&e.alpha, id, json!({"type":"deposit","account":"escrow","amount":"1.00"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["at"], ny("2005-08-22T09:15").to_string(), "stamped at the agreement's last instant, not earlier");
    let journal = server.get(ADMIN, &format!("/v1/agreements/{id}/journal")).await.body;
    let times: Vec<String> = journal["entries"].as_array().unwrap().iter().map(|e| e["at"].as_str().unwrap().to_string()).collect();
    let parsed: Vec<jiff::Timestamp> = times.iter().map(|t| t.parse().unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "journal time never goes back: {times:?}");
    server.stop().await;
}

#[tokio::test]
async fn bad_agreements_and_tokens_requests() {
    let server = Server::start().await;
    let broken = ESCROW.replace("pay from escrow", "pay from escrw");
    let reply = server.post(ADMIN, "/v1/agreements", json!({"id": "broken", "source": broken})).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::UNPROCESSABLE_ENTITY, "compile_error"), "{}", reply.body);
    let d = &reply.body["diagnostics"][0];
    assert!(d["line"].as_u64().unwrap() > 1 && d["column"].as_u64().unwrap() >= 1, "{d}");
    assert!(d["rendered"].as_str().unwrap().contains('^'), "a caret under the fault: {d}");
    assert_eq!(reply.body["field"], "source");

    let bad_id = server.post(ADMIN, "/v1/agreements", json!({"id": "Bad Id", "source": ESCROW})).await;
    assert_eq!(bad_id.code(), "invalid_name");
    let bad_key = server.post(ADMIN, "/v1/agreements", json!({"id": "k", "source": ESCROW, "keys": {"company": "zz"}})).await;
    assert_eq!((bad_key.code(), bad_key.body["field"].as_str()), ("invalid_value", Some("keys.company")));
    let not_single = server.post(ADMIN, "/v1/agreements", json!({"id": "k", "source": ESCROW, "keys": {"purchaser": "11".repeat(32)}})).await;
    assert_eq!(not_single.code(), "unknown_party");
    assert_eq!(server.get(ADMIN, "/v1/agreements").await.body, json!([]), "nothing was opened");

    server.open("dup", ESCROW).await;
    let again = server.post(ADMIN, "/v1/agreements", json!({"id": "dup", "source": ESCROW})).await;
    assert_eq!((again.status, again.code()), (StatusCode::CONFLICT, "already_exists"));
    let token = server.post(ADMIN, "/v1/agreements/dup/tokens", json!({"party": "mallory"})).await;
    assert_eq!((token.status, token.code()), (StatusCode::UNPROCESSABLE_ENTITY, "unknown_party"));
    server.stop().await;
}
