//! Two nodes on one database, as behind a load balancer: limits hold for
//! the cluster, not per node.

use jiuzhu_tests::{room_in_this_minute, spawn_app_with};
use std::time::Duration;

/// One token, a limit of 20 a minute, requests spread over two nodes: the
/// second node learns the first one's hits at its next sync and refuses,
/// instead of admitting 20 of its own.
#[actix_web::test]
async fn a_token_limit_holds_across_nodes() {
    let a = spawn_app_with(|c| c.rate_limit_per_token = 20).await;
    let b = a.another_node().await;
    let token = a.admin_token().await;
    room_in_this_minute(Duration::from_secs(10)).await;
    let mut admitted = 0;
    for _ in 0..15 {
        if a.get("/api/v1/me", Some(&token)).await.status == 200 {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 15, "under the limit on one node");
    let mut refused_on_b = 0;
    for _ in 0..15 {
        match b.get("/api/v1/me", Some(&token)).await.status {
            200 => admitted += 1,
            429 => refused_on_b += 1,
            other => panic!("unexpected {other}"),
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused_on_b > 0, "the second node refuses once the cluster is over the limit");
    assert!(admitted <= 23, "the cluster admitted {admitted} of a limit of 20 (each node may overrun by one sync's worth)");
}

async fn from(app: &jiuzhu_tests::TestApp, client: &str) -> u16 {
    let request = app.request(awc::http::Method::GET, "/api/v1/enums").insert_header(("X-Forwarded-For", client.to_string()));
    app.send(request, None).await.status
}

/// Behind a trusted load balancer each client has its own per-address
/// bucket (taken from `X-Forwarded-For`); from an untrusted peer the header
/// is ignored, so a client cannot pick a fresh bucket by writing it.
#[actix_web::test]
async fn the_client_address_comes_from_a_trusted_proxy_only() {
    let behind_proxy = spawn_app_with(|c| {
        c.rate_limit_per_ip = 5;
        c.trusted_proxies = vec!["127.0.0.0/8".into()];
    })
    .await;
    room_in_this_minute(Duration::from_secs(10)).await;
    for _ in 0..5 {
        assert_eq!(from(&behind_proxy, "198.51.100.1").await, 200);
    }
    assert_eq!(from(&behind_proxy, "198.51.100.1").await, 429, "one client's bucket is full");
    assert_eq!(from(&behind_proxy, "198.51.100.2").await, 200, "another client behind the same proxy is not");

    let direct = spawn_app_with(|c| c.rate_limit_per_ip = 5).await;
    for n in 0..5 {
        assert_eq!(from(&direct, &format!("198.51.100.{n}")).await, 200);
    }
    assert_eq!(from(&direct, "198.51.100.99").await, 429, "an untrusted peer's header opens no new bucket");
}
