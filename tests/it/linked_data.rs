//! Dereferencing resources: content negotiation, document URLs, errors.

use crate::common::get;

#[tokio::test]
async fn turtle_is_served_when_asked_and_varies_on_accept() {
    let answer = get("/territoire/commune/01001", Some("text/turtle")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.media_type(), "text/turtle");
    assert_eq!(answer.header("vary"), "Accept");
    assert!(answer.text().contains("L'Abergement-Clémenciat"));
}
