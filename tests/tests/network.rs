//! What crosses the network: answers compressed when the client accepts it (and decoding to
//! the very JSON an uncompressed answer holds), small answers and clients that accept no
//! encoding left as they are, and the lists of vendors without `select` narrowed by the
//! proxy to the selected members.

use std::io::Read;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use serde_json::Value;
use tests::Stack;

/// `body` decoded from `encoding`.
fn decoded(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .map(drop),
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .map(drop),
        "zstd" => zstd::stream::read::Decoder::new(body)
            .and_then(|mut d| d.read_to_end(&mut out))
            .map(drop),
        other => panic!("no decoder for {other}"),
    }
    .unwrap_or_else(|e| panic!("the {encoding} answer does not decode: {e}"));
    out
}

/// A GET through the proxy with this `Accept-Encoding` (none when `None`): the answer's
/// encoding and bytes as they came.
async fn get(stack: &Stack, path: &str, accept: Option<&str>) -> (Option<String>, Vec<u8>) {
    let mut request = tests::console_client().get(format!("{}{path}", stack.proxy_url));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    let encoding = response
        .headers()
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (encoding, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn lists_are_compressed_for_clients_that_accept_it_and_mean_the_same() {
    let stack = Stack::start(300, None).await.unwrap();
    for connection in ["liveperson", "commpeak", "trintech"] {
        let path = format!("/api/{connection}/users");
        let (plain_encoding, plain) = get(&stack, &path, None).await;
        assert_eq!(plain_encoding, None, "{connection}: asked for no encoding");
        let plain: Value = serde_json::from_slice(&plain).unwrap();
        for (accept, expected) in [
            ("br, gzip", "br"),
            ("gzip, deflate", "gzip"),
            ("zstd", "zstd"),
            ("gzip;q=0.5, br;q=1", "br"),
        ] {
            let (encoding, body) = get(&stack, &path, Some(accept)).await;
            assert_eq!(
                encoding.as_deref(),
                Some(expected),
                "{connection}, Accept-Encoding: {accept}"
            );
            let unpacked: Value = serde_json::from_slice(&decoded(expected, &body)).unwrap();
            assert_eq!(unpacked, plain, "{connection}, {expected}");
            assert!(
                body.len() * 4 < serde_json::to_vec(&plain).unwrap().len(),
                "{connection}, {expected}: {} bytes compressed is not much",
                body.len()
            );
        }
    }
    // A small answer is left as it is, whatever the client accepts.
    let (encoding, _) = get(&stack, "/api/connections", Some("br, gzip")).await;
    assert_eq!(encoding, None, "the list of connections is small");
}

#[tokio::test]
async fn a_selection_narrows_the_lists_of_vendors_without_select() {
    let stack = Stack::start(20, None).await.unwrap();
    for (connection, select, expected) in [
        (
            "commpeak",
            "id,username,email,is_active",
            &["id", "username", "email", "is_active"][..],
        ),
        // A nested selection keeps the whole member.
        (
            "trintech",
            "userName,name(firstName),lockedOut",
            &["userName", "name", "lockedOut"][..],
        ),
        // A secret asked for is still withheld.
        ("commpeak", "id,registration_password", &["id"][..]),
    ] {
        let (_, body) = get(
            &stack,
            &format!("/api/{connection}/users?select={select}"),
            None,
        )
        .await;
        let users: Vec<Value> = serde_json::from_slice(&body).unwrap();
        assert_eq!(users.len(), 20, "{connection}");
        for user in &users {
            let mut members: Vec<&str> = user
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            members.sort_unstable();
            let mut wanted = expected.to_vec();
            wanted.sort_unstable();
            assert_eq!(members, wanted, "{connection}?select={select}: {user}");
        }
    }
    // `$all` (what a bulk edit reads) is every member but the withheld secret.
    let (_, body) = get(&stack, "/api/commpeak/users?select=$all", None).await;
    let users: Vec<Value> = serde_json::from_slice(&body).unwrap();
    assert!(users[0].get("sip_uri").is_some() && users[0].get("registration_password").is_none());

    // A selection naming a field the vendor does not have is one clear 400.
    let response = tests::console_client()
        .get(format!(
            "{}/api/trintech/users?select=userName,salary",
            stack.proxy_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("\"salary\"") && message.contains("userName"),
        "{error}"
    );
}
