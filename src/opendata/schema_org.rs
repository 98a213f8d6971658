//! The schema.org description that initiative pages embed for search engines and other Web
//! tools, built from what the page shows.

use serde_json::{Map, Value, json};

/// What an initiative's page knows, as plain text.
#[derive(Debug, Clone, Default)]
pub struct InitiativeFacts {
    /// The initiative's IRI, which is also its page.
    pub iri: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Street and number.
    pub street_address: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Town.
    pub locality: Option<String>,
    /// Latitude and longitude.
    pub point: Option<(f64, f64)>,
    /// Its own website.
    pub website: Option<String>,
    /// Telephone number.
    pub telephone: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// The territory it serves: name and IRI.
    pub area: Option<(String, String)>,
}

/// The JSON-LD of an initiative, safe to place inside `<script type="application/ld+json">`:
/// `<`, `>` and `&` are written as JSON escapes, so that no value can close the script.
///
/// An initiative open at an address is both a `Place` (it has an address and a position) and an
/// `Organization` (it has contacts and an area served); one without a place is an
/// `Organization` only.
pub fn schema_org_json(facts: &InitiativeFacts) -> String {
    let located = facts.street_address.is_some() || facts.point.is_some();
    let mut object = Map::new();
    object.insert("@context".into(), json!("https://schema.org"));
    object.insert(
        "@type".into(),
        if located {
            json!(["Place", "Organization"])
        } else {
            json!("Organization")
        },
    );
    object.insert("@id".into(), json!(facts.iri));
    object.insert("name".into(), json!(facts.name));
    let url = facts.website.as_deref().unwrap_or(&facts.iri);
    object.insert("url".into(), json!(url));
    insert_text(&mut object, "description", &facts.description);
    insert_text(&mut object, "telephone", &facts.telephone);
    insert_text(&mut object, "email", &facts.email);
    if let Some(address) = postal_address(facts) {
        object.insert("address".into(), address);
    }
    if let Some((latitude, longitude)) = facts.point {
        object.insert(
            "geo".into(),
            json!({ "@type": "GeoCoordinates", "latitude": latitude, "longitude": longitude }),
        );
    }
    if let Some((name, iri)) = &facts.area {
        object.insert(
            "areaServed".into(),
            json!({ "@type": "AdministrativeArea", "@id": iri, "name": name }),
        );
    }
    escape_for_script(&Value::Object(object).to_string())
}

fn postal_address(facts: &InitiativeFacts) -> Option<Value> {
    let mut address = Map::new();
    insert_text(&mut address, "streetAddress", &facts.street_address);
    insert_text(&mut address, "postalCode", &facts.postal_code);
    insert_text(&mut address, "addressLocality", &facts.locality);
    if address.is_empty() {
        return None;
    }
    address.insert("@type".into(), json!("PostalAddress"));
    address.insert("addressCountry".into(), json!("FR"));
    Some(Value::Object(address))
}

fn insert_text(object: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
    {
        object.insert(key.into(), json!(value));
    }
}

/// JSON text never holds `<`, `>` or `&` outside strings, so escaping them everywhere keeps
/// the same JSON value.
fn escape_for_script(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_value_can_close_the_script_and_the_json_keeps_it() {
        let name = "Café </script><script>alert(1)</script> & co";
        let facts = InitiativeFacts {
            iri: "http://example.test/initiative/s/1".into(),
            name: name.into(),
            ..InitiativeFacts::default()
        };
        let json = schema_org_json(&facts);
        assert!(!json.contains('<') && !json.contains('>'));
        let value: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["name"], name);
        assert_eq!(value["@type"], "Organization");
    }

    #[test]
    fn a_located_initiative_is_a_place_with_address_and_position() {
        let facts = InitiativeFacts {
            iri: "http://example.test/initiative/s/2".into(),
            name: "Maison".into(),
            street_address: Some("1 rue Haute".into()),
            postal_code: Some("01400".into()),
            locality: Some("L'Abergement-Clémenciat".into()),
            point: Some((46.15, 4.92)),
            ..InitiativeFacts::default()
        };
        let value: Value = serde_json::from_str(&schema_org_json(&facts)).unwrap();
        assert_eq!(value["@type"], json!(["Place", "Organization"]));
        assert_eq!(value["address"]["postalCode"], "01400");
        assert_eq!(value["geo"]["latitude"], 46.15);
        assert_eq!(value["url"], "http://example.test/initiative/s/2");
    }
}
