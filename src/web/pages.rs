//! HTML pages: the home page and one page kind per resource kind (initiative, territory,
//! concept, source, actor), with a generic page for everything else.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedNode, NamedNodeRef, Quad, Term};
use serde::Serialize;

use super::error::{AppError, ShownError};
use super::view::{FactView, Labeler, LinkView, pick_language};
use super::{AppState, Lang, templates};
use crate::store::Store;
use crate::vocab::{anc, dct, geo, igeo, owl, prov, skos};

/// How many initiatives a list page shows at once.
const PAGE_SIZE: usize = 50;

/// What every page carries.
#[derive(Serialize)]
pub(super) struct PageMeta {
    lang: &'static str,
    title: String,
    iri: String,
    alternates: Vec<Alternate>,
    facts: Vec<FactView>,
    types: Vec<LinkView>,
    /// The datasets the resource's statements belong to (its source, or the whole graph).
    datasets: Vec<LinkView>,
    /// The follow button and the Atom feed of initiatives, territories, themes, communities.
    follow: Option<super::follow::FollowView>,
}

#[derive(Serialize)]
struct Alternate {
    media_type: String,
    href: String,
}

/// A paginated list of initiatives.
#[derive(Serialize, Default)]
struct InitiativeList {
    total: i64,
    items: Vec<LinkView>,
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
}

/// Renders the page of a resource from its description.
pub fn render_resource(
    state: &AppState,
    iri: &NamedNode,
    quads: &[Quad],
    lang: Lang,
    alternates: &[(String, String)],
    page_number: usize,
    viewer: &super::session::Viewer,
) -> Result<String, AppError> {
    let platform = &state.platform;
    let mut labeler = Labeler::new(&platform.store, &platform.config.minter, lang);
    let types: Vec<NamedNode> = quads
        .iter()
        .filter(|quad| quad.predicate == rdf::TYPE && quad.subject.to_string() == iri.to_string())
        .filter_map(|quad| match &quad.object {
            Term::NamedNode(class) => Some(class.clone()),
            _ => None,
        })
        .collect();
    let meta = PageMeta {
        lang: lang.code(),
        title: labeler.label(iri.as_str()),
        iri: iri.as_str().to_owned(),
        alternates: alternates
            .iter()
            .map(|(media_type, href)| Alternate {
                media_type: media_type.clone(),
                href: href.clone(),
            })
            .collect(),
        facts: labeler.facts(iri.as_str(), quads),
        types: types
            .iter()
            .map(|class| labeler.link(class.as_str()))
            .collect(),
        datasets: datasets_of(&mut labeler, iri, quads, &platform.config.minter),
        follow: None,
    };
    let mut meta = meta;
    let store = &platform.store;
    if let Some(scope) = super::feed::scope_of(store, iri)? {
        meta.follow = Some(super::follow::follow_view(state, &scope, viewer)?);
    }
    let is = |class: NamedNodeRef<'_>| types.iter().any(|known| known.as_ref() == class);
    if is(anc::COMMUNITY) {
        return super::community::render_community(state, &mut labeler, iri, meta, viewer);
    }

    if is(anc::INITIATIVE) {
        let mut page = initiative_page(store, &mut labeler, iri, quads, meta)?;
        page.to_complete = super::validate::points_to_complete(state, iri, lang)?;
        page.collaboration = Some(super::contribute::initiative_panel(
            state,
            iri,
            viewer,
            &mut labeler,
        )?);
        return Ok(templates::render(
            &state.templates,
            "initiative.html",
            &page,
        )?);
    }
    if types
        .iter()
        .any(|class| class.as_str().starts_with("http://rdf.insee.fr/def/geo#"))
    {
        let mut page = territory_page(store, &mut labeler, iri, quads, meta, page_number)?;
        (page.map, page.dashboard) =
            super::dashboard::territory_extras(state, &mut labeler, iri.as_str())?;
        return Ok(templates::render(
            &state.templates,
            "territory.html",
            &page,
        )?);
    }
    if is(skos::CONCEPT) || is(skos::CONCEPT_SCHEME) {
        let page = concept_page(store, &mut labeler, iri, quads, meta, page_number)?;
        return Ok(templates::render(&state.templates, "concept.html", &page)?);
    }
    if is(anc::SOURCE) {
        let page = source_page(store, &mut labeler, iri, meta, &platform.config.minter)?;
        return Ok(templates::render(&state.templates, "source.html", &page)?);
    }
    let related = linked_initiatives(&mut labeler, quads, iri);
    Ok(templates::render(
        &state.templates,
        "resource.html",
        &GenericPage { meta, related },
    )?)
}

#[derive(Serialize)]
struct GenericPage {
    #[serde(flatten)]
    meta: PageMeta,
    related: Vec<LinkView>,
}

fn linked_initiatives(labeler: &mut Labeler<'_>, quads: &[Quad], iri: &NamedNode) -> Vec<LinkView> {
    let mut links: Vec<LinkView> = quads
        .iter()
        .filter(|quad| {
            quad.predicate == anc::CARRIES && quad.subject.to_string() == iri.to_string()
        })
        .filter_map(|quad| match &quad.object {
            Term::NamedNode(node) => Some(labeler.link(node.as_str())),
            _ => None,
        })
        .collect();
    links.sort_by(|a, b| a.label.cmp(&b.label));
    links.dedup();
    links
}

#[derive(Serialize)]
struct InitiativePage {
    #[serde(flatten)]
    meta: PageMeta,
    description: Option<String>,
    address: Vec<String>,
    email: Option<String>,
    telephone: Option<String>,
    website: Option<String>,
    opening_hours: Option<String>,
    themes: Vec<LinkView>,
    audiences: Vec<LinkView>,
    methods: Vec<LinkView>,
    networks: Vec<LinkView>,
    scales: Vec<LinkView>,
    carrier_types: Vec<LinkView>,
    actors: Vec<LinkView>,
    territories: Vec<LinkView>,
    placement: Option<LinkView>,
    sources: Vec<ProvenanceView>,
    point: Option<(f64, f64)>,
    gone_since: Option<String>,
    canonical: Option<LinkView>,
    duplicates: Vec<LinkView>,
    to_complete: Vec<super::validate::PointView>,
    /// History, edit link and error report form of the collaborative space.
    collaboration: Option<super::contribute::CollaborationPanel>,
    /// The schema.org description embedded for Web tools, safe inside a script element.
    schema_org: String,
}

#[derive(Serialize)]
struct ProvenanceView {
    source: LinkView,
    record_id: Option<String>,
    harvested: Option<String>,
}

fn initiative_page(
    store: &Store,
    labeler: &mut Labeler<'_>,
    iri: &NamedNode,
    quads: &[Quad],
    meta: PageMeta,
) -> Result<InitiativePage, AppError> {
    let own = |predicate: NamedNodeRef<'_>| -> Vec<Term> {
        quads
            .iter()
            .filter(|quad| {
                quad.predicate == predicate && quad.subject.to_string() == iri.to_string()
            })
            .map(|quad| quad.object.clone())
            .collect()
    };
    let lang = labeler.lang();
    let text = |predicate: NamedNodeRef<'_>| pick_language(&own(predicate), lang);
    let links = |predicate: NamedNodeRef<'_>, labeler: &mut Labeler<'_>| -> Vec<LinkView> {
        let mut links: Vec<LinkView> = own(predicate)
            .iter()
            .filter_map(|term| match term {
                Term::NamedNode(node) => Some(labeler.link(node.as_str())),
                _ => None,
            })
            .collect();
        links.sort_by(|a, b| a.label.cmp(&b.label));
        links.dedup();
        links
    };

    let address: Vec<String> = [
        text(anc::STREET_ADDRESS),
        text(anc::ADDRESS_COMPLEMENT),
        match (text(anc::POSTAL_CODE), text(anc::ADDRESS_LOCALITY)) {
            (Some(code), Some(town)) => Some(format!("{code} {town}")),
            (code, town) => code.or(town),
        },
    ]
    .into_iter()
    .flatten()
    .collect();
    let territory_iri = own(anc::TERRITORY).into_iter().find_map(|term| match term {
        Term::NamedNode(node) => Some(node),
        _ => None,
    });
    let territories = match &territory_iri {
        Some(territory) => territory_chain(store, labeler, territory)?,
        None => Vec::new(),
    };
    let point = quads
        .iter()
        .filter(|quad| quad.predicate == geo::AS_WKT)
        .find_map(|quad| match &quad.object {
            Term::Literal(literal) => crate::rdf::parse_wkt_point(literal.value()),
            _ => None,
        });
    let sources = provenance(store, labeler, &own(prov::WAS_DERIVED_FROM))?;
    let gone_since = text(prov::INVALIDATED_AT_TIME);
    let canonical = links(owl::SAME_AS, labeler).into_iter().next();
    let mut duplicates: Vec<LinkView> = store
        .subjects(owl::SAME_AS, iri.as_ref().into())?
        .into_iter()
        .map(|duplicate| labeler.link(duplicate.to_string().trim_matches(['<', '>'])))
        .collect();
    duplicates.sort_by(|a, b| a.iri.cmp(&b.iri));

    let schema_org = crate::opendata::schema_org_json(&crate::opendata::InitiativeFacts {
        iri: iri.as_str().to_owned(),
        name: meta.title.clone(),
        description: text(anc::DESCRIPTION),
        street_address: text(anc::STREET_ADDRESS),
        postal_code: text(anc::POSTAL_CODE),
        locality: text(anc::ADDRESS_LOCALITY),
        point,
        website: own(anc::WEBSITE).into_iter().find_map(|term| match term {
            Term::NamedNode(node) => Some(node.into_string()),
            _ => None,
        }),
        telephone: text(anc::TELEPHONE),
        email: text(anc::EMAIL),
        area: territory_iri.as_ref().map(|territory| {
            (
                labeler.label(territory.as_str()),
                territory.as_str().to_owned(),
            )
        }),
    });

    Ok(InitiativePage {
        schema_org,
        description: text(anc::DESCRIPTION),
        address,
        email: text(anc::EMAIL),
        telephone: text(anc::TELEPHONE),
        // Only web addresses become links: a `javascript:` IRI must never reach an href.
        website: own(anc::WEBSITE).into_iter().find_map(|term| match term {
            Term::NamedNode(node)
                if node.as_str().starts_with("https://")
                    || node.as_str().starts_with("http://") =>
            {
                Some(node.into_string())
            }
            _ => None,
        }),
        opening_hours: text(anc::OPENING_HOURS),
        themes: links(anc::THEME, labeler),
        audiences: links(anc::AUDIENCE, labeler),
        methods: links(anc::METHOD, labeler),
        networks: links(anc::NETWORK, labeler),
        scales: links(anc::SCALE, labeler),
        carrier_types: links(anc::CARRIER_TYPE, labeler),
        actors: links(anc::CARRIED_BY, labeler),
        placement: links(anc::PLACEMENT, labeler).into_iter().next(),
        territories,
        sources,
        point,
        gone_since,
        canonical,
        duplicates,
        to_complete: Vec::new(),
        collaboration: None,
        meta,
    })
}

/// The datasets a resource's own statements come from: the source whose graph states them, or
/// the whole dataset for the reference graphs.
fn datasets_of(
    labeler: &mut Labeler<'_>,
    iri: &NamedNode,
    quads: &[Quad],
    minter: &crate::iri::IriMinter,
) -> Vec<LinkView> {
    let mut datasets: Vec<LinkView> = Vec::new();
    for quad in quads
        .iter()
        .filter(|quad| quad.subject.to_string() == iri.to_string())
    {
        let graph = quad.graph_name.to_string();
        let source_id = minter
            .relative(graph.trim_matches(['<', '>']))
            .and_then(|path| path.strip_prefix("graphe/source/"));
        let link = match source_id {
            Some(source_id) => labeler.link(minter.at(&format!("source/{source_id}")).as_str()),
            None => LinkView {
                href: format!("/{}", crate::opendata::VOID_PATH),
                label: "ancrage".to_owned(),
                iri: crate::opendata::dataset_iri(minter).into_string(),
            },
        };
        if !datasets.contains(&link) {
            datasets.push(link);
        }
    }
    datasets
}

/// A territory and all those containing it, from the widest (région) to the narrowest.
fn territory_chain(
    store: &Store,
    labeler: &mut Labeler<'_>,
    territory: &NamedNode,
) -> Result<Vec<LinkView>, AppError> {
    let mut chain: Vec<(usize, LinkView)> = Vec::new();
    let mut add = |node: &NamedNode, labeler: &mut Labeler<'_>| -> Result<(), AppError> {
        let rank = territory_rank(store, node)?;
        let mut link = labeler.link(node.as_str());
        if let Some(kind) = kind_label(store, node)? {
            link.label = format!("{} ({kind})", link.label);
        }
        chain.push((rank, link));
        Ok(())
    };
    add(territory, labeler)?;
    for ancestor in store.objects(territory.as_ref(), igeo::SUBDIVISION_DE)? {
        if let Term::NamedNode(ancestor) = ancestor {
            add(&ancestor, labeler)?;
        }
    }
    chain.sort_by_key(|(rank, _)| *rank);
    Ok(chain.into_iter().map(|(_, link)| link).collect())
}

/// Order of territory levels, widest first.
fn territory_rank(store: &Store, territory: &NamedNode) -> Result<usize, AppError> {
    let order = [
        igeo::REGION,
        igeo::COLLECTIVITE_D_OUTRE_MER,
        igeo::DEPARTEMENT,
        igeo::ARRONDISSEMENT,
        igeo::INTERCOMMUNALITE,
        igeo::COMMUNE,
        igeo::COMMUNE_DELEGUEE,
        igeo::COMMUNE_ASSOCIEE,
        igeo::ARRONDISSEMENT_MUNICIPAL,
    ];
    let classes = store.objects(territory.as_ref(), rdf::TYPE)?;
    Ok(order
        .iter()
        .position(|class| {
            classes
                .iter()
                .any(|known| *known == Term::from(class.into_owned()))
        })
        .unwrap_or(order.len()))
}

fn kind_label(store: &Store, territory: &NamedNode) -> Result<Option<String>, AppError> {
    let relative = territory
        .as_str()
        .split("/territoire/")
        .nth(1)
        .unwrap_or_default();
    let kind = relative
        .split('/')
        .next()
        .and_then(crate::iri::TerritoryKind::from_slug);
    let _ = store;
    Ok(kind.map(|kind| kind.label_fr().to_owned()))
}

fn provenance(
    store: &Store,
    labeler: &mut Labeler<'_>,
    records: &[Term],
) -> Result<Vec<ProvenanceView>, AppError> {
    let mut views = Vec::new();
    for record in records {
        let Term::NamedNode(record) = record else {
            continue;
        };
        let first_iri = |terms: Vec<Term>| {
            terms.into_iter().find_map(|term| match term {
                Term::NamedNode(node) => Some(node),
                _ => None,
            })
        };
        let Some(source) = first_iri(store.objects(record.as_ref(), anc::IN_SOURCE)?) else {
            continue;
        };
        let record_id = store
            .objects(record.as_ref(), dct::IDENTIFIER)?
            .into_iter()
            .find_map(literal_text);
        let harvested = match first_iri(store.objects(record.as_ref(), prov::WAS_GENERATED_BY)?) {
            Some(run) => store
                .objects(run.as_ref(), prov::ENDED_AT_TIME)?
                .into_iter()
                .find_map(literal_text),
            None => None,
        };
        views.push(ProvenanceView {
            source: labeler.link(source.as_str()),
            record_id,
            harvested,
        });
    }
    Ok(views)
}

fn literal_text(term: Term) -> Option<String> {
    match term {
        Term::Literal(literal) => Some(literal.value().to_owned()),
        _ => None,
    }
}

#[derive(Serialize)]
struct TerritoryPage {
    #[serde(flatten)]
    meta: PageMeta,
    kind: Option<String>,
    code: Option<String>,
    population: Option<String>,
    parents: Vec<LinkView>,
    children: Vec<LinkView>,
    initiatives: InitiativeList,
    point: Option<(f64, f64)>,
    map: Option<super::dashboard::TerritoryMapView>,
    dashboard: Option<super::dashboard::DashboardView>,
}

fn territory_page(
    store: &Store,
    labeler: &mut Labeler<'_>,
    iri: &NamedNode,
    quads: &[Quad],
    meta: PageMeta,
    page_number: usize,
) -> Result<TerritoryPage, AppError> {
    let mut parents = territory_chain(store, labeler, iri)?;
    parents.retain(|link| link.iri != iri.as_str());
    let mut children: Vec<LinkView> = store
        .select(
            include_str!("../../queries/territory-children.rq"),
            &[("territory", iri.clone().into())],
        )?
        .iter()
        .filter_map(|row| row.text("child").map(str::to_owned))
        .map(|child| labeler.link(&child))
        .collect();
    children.sort_by_key(|child| crate::text::fold(&child.label));
    let own_literal = |predicate: NamedNodeRef<'_>| {
        quads
            .iter()
            .find(|quad| quad.predicate == predicate && quad.subject.to_string() == iri.to_string())
            .and_then(|quad| literal_text(quad.object.clone()))
    };
    let point = quads
        .iter()
        .filter(|quad| quad.predicate == geo::AS_WKT)
        .find_map(|quad| match &quad.object {
            Term::Literal(literal) => crate::rdf::parse_wkt_point(literal.value()),
            _ => None,
        });
    let initiatives = initiative_list(
        store,
        labeler,
        include_str!("../../queries/territory-initiatives.rq"),
        include_str!("../../queries/territory-initiative-count.rq"),
        ("territory", iri),
        page_number,
    )?;
    Ok(TerritoryPage {
        kind: kind_label(store, iri)?,
        code: own_literal(igeo::CODE_INSEE),
        population: own_literal(anc::POPULATION).map(|value| group_digits(&value)),
        parents,
        children,
        initiatives,
        point,
        meta,
        map: None,
        dashboard: None,
    })
}

fn initiative_list(
    store: &Store,
    labeler: &mut Labeler<'_>,
    list_query: &str,
    count_query: &str,
    binding: (&str, &NamedNode),
    page_number: usize,
) -> Result<InitiativeList, AppError> {
    let bindings = [(binding.0, Term::from(binding.1.clone()))];
    let total = store
        .select(count_query, &bindings)?
        .iter()
        .next()
        .and_then(|row| row.integer("count"))
        .unwrap_or(0);
    let pages = (total as usize).div_ceil(PAGE_SIZE).max(1);
    let page = page_number.clamp(1, pages);
    let paged = format!(
        "{list_query}\nLIMIT {PAGE_SIZE} OFFSET {}",
        (page - 1) * PAGE_SIZE
    );
    let items = store
        .select(&paged, &bindings)?
        .iter()
        .filter_map(|row| row.text("initiative").map(str::to_owned))
        .map(|initiative| labeler.link(&initiative))
        .collect();
    Ok(InitiativeList {
        total,
        items,
        page,
        pages,
        previous: (page > 1).then(|| format!("?page={}", page - 1)),
        next: (page < pages).then(|| format!("?page={}", page + 1)),
    })
}

fn group_digits(number: &str) -> String {
    let digits: Vec<char> = number.chars().collect();
    let mut grouped = String::new();
    for (index, digit) in digits.iter().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('\u{202F}');
        }
        grouped.push(*digit);
    }
    grouped
}

#[derive(Serialize)]
struct ConceptPage {
    #[serde(flatten)]
    meta: PageMeta,
    definition: Option<String>,
    scope_note: Option<String>,
    notation: Option<String>,
    schemes: Vec<LinkView>,
    broader: Vec<LinkView>,
    narrower: Vec<LinkView>,
    top_concepts: Vec<LinkView>,
    mappings: Vec<MappingView>,
    initiatives: InitiativeList,
}

#[derive(Serialize)]
struct MappingView {
    relation: String,
    targets: Vec<LinkView>,
}

fn concept_page(
    store: &Store,
    labeler: &mut Labeler<'_>,
    iri: &NamedNode,
    quads: &[Quad],
    meta: PageMeta,
    page_number: usize,
) -> Result<ConceptPage, AppError> {
    let lang = labeler.lang();
    let own = |predicate: NamedNodeRef<'_>| -> Vec<Term> {
        quads
            .iter()
            .filter(|quad| {
                quad.predicate == predicate && quad.subject.to_string() == iri.to_string()
            })
            .map(|quad| quad.object.clone())
            .collect()
    };
    let links = |terms: Vec<Term>, labeler: &mut Labeler<'_>| -> Vec<LinkView> {
        let mut links: Vec<LinkView> = terms
            .into_iter()
            .filter_map(|term| match term {
                Term::NamedNode(node) => Some(labeler.link(node.as_str())),
                _ => None,
            })
            .collect();
        links.sort_by(|a, b| a.label.cmp(&b.label));
        links.dedup();
        links
    };
    let relations = [
        (skos::EXACT_MATCH, "Correspondance exacte"),
        (skos::CLOSE_MATCH, "Correspondance proche"),
        (skos::BROAD_MATCH, "Correspondance plus large"),
        (skos::NARROW_MATCH, "Correspondance plus étroite"),
        (skos::RELATED_MATCH, "Correspondance associée"),
    ];
    let mappings = relations
        .iter()
        .map(|(relation, label)| MappingView {
            relation: (*label).to_owned(),
            targets: links(own(*relation), labeler),
        })
        .filter(|mapping| !mapping.targets.is_empty())
        .collect();
    let top_concepts = store
        .select(
            include_str!("../../queries/scheme-top-concepts.rq"),
            &[("scheme", iri.clone().into())],
        )?
        .iter()
        .filter_map(|row| row.term("concept").cloned())
        .collect();
    let initiatives = initiative_list(
        store,
        labeler,
        include_str!("../../queries/concept-initiatives.rq"),
        include_str!("../../queries/concept-initiative-count.rq"),
        ("concept", iri),
        page_number,
    )?;
    Ok(ConceptPage {
        definition: pick_language(&own(skos::DEFINITION), lang),
        scope_note: pick_language(&own(skos::SCOPE_NOTE), lang),
        notation: own(skos::NOTATION).into_iter().find_map(literal_text),
        schemes: links(own(skos::IN_SCHEME), labeler),
        broader: links(own(skos::BROADER), labeler),
        narrower: links(own(skos::NARROWER), labeler),
        top_concepts: links(top_concepts, labeler),
        mappings,
        initiatives,
        meta,
    })
}

#[derive(Serialize)]
struct SourcePage {
    #[serde(flatten)]
    meta: PageMeta,
    description: Option<String>,
    attribution: Option<String>,
    licence: Option<LinkView>,
    homepage: Option<String>,
    initiatives: i64,
    placed_in_commune: i64,
    geolocated: i64,
    runs: Vec<RunView>,
    rejects: Vec<RejectView>,
    tags: Vec<TagView>,
}

#[derive(Serialize)]
struct RunView {
    started: String,
    ended: String,
    read: i64,
    accepted: i64,
    rejected: i64,
    new: i64,
    changed: i64,
    unchanged: i64,
    gone: i64,
}

#[derive(Serialize)]
struct RejectView {
    identifier: Option<String>,
    reason: String,
    raw: String,
}

#[derive(Serialize)]
struct TagView {
    label: String,
    count: i64,
    targets: Vec<LinkView>,
}

fn source_page(
    store: &Store,
    labeler: &mut Labeler<'_>,
    iri: &NamedNode,
    meta: PageMeta,
    minter: &crate::iri::IriMinter,
) -> Result<SourcePage, AppError> {
    let source_id = minter
        .relative(iri.as_str())
        .and_then(|path| path.strip_prefix("source/"))
        .unwrap_or_default();
    let graph = minter.at(&format!("graphe/source/{source_id}"));
    let quarantine = minter.at(&format!("graphe/quarantaine/{source_id}"));
    let figures = store.select(
        include_str!("../../queries/source-figures.rq"),
        &[("graph", graph.into())],
    )?;
    let figure = |name: &str| {
        figures
            .iter()
            .next()
            .and_then(|row| row.integer(name))
            .unwrap_or(0)
    };
    let runs = store
        .select(
            include_str!("../../queries/source-runs.rq"),
            &[("source", iri.clone().into())],
        )?
        .iter()
        .map(|row| RunView {
            started: row.text("started").unwrap_or_default().to_owned(),
            ended: row.text("ended").unwrap_or_default().to_owned(),
            read: row.integer("read").unwrap_or(0),
            accepted: row.integer("accepted").unwrap_or(0),
            rejected: row.integer("rejected").unwrap_or(0),
            new: row.integer("new").unwrap_or(0),
            changed: row.integer("changed").unwrap_or(0),
            unchanged: row.integer("unchanged").unwrap_or(0),
            gone: row.integer("gone").unwrap_or(0),
        })
        .collect();
    let rejects = store
        .select(
            &format!(
                "{}\nLIMIT 200",
                include_str!("../../queries/source-rejects.rq")
            ),
            &[("quarantine", quarantine.into())],
        )?
        .iter()
        .map(|row| RejectView {
            identifier: row.text("identifier").map(str::to_owned),
            reason: row.text("reason").unwrap_or_default().to_owned(),
            raw: row.text("raw").unwrap_or_default().to_owned(),
        })
        .collect();
    let scheme = minter.source_tag_scheme(source_id);
    let tags = store
        .select(
            include_str!("../../queries/source-tags.rq"),
            &[("scheme", scheme.into())],
        )?
        .iter()
        .map(|row| TagView {
            label: row.text("label").unwrap_or_default().to_owned(),
            count: row.integer("count").unwrap_or(0),
            targets: row
                .text("targets")
                .unwrap_or_default()
                .split_whitespace()
                .map(|target| labeler.link(target))
                .collect(),
        })
        .collect();
    let own = |predicate: NamedNodeRef<'_>| store.objects(iri.as_ref(), predicate);
    let first_iri = |terms: Vec<Term>| {
        terms.into_iter().find_map(|term| match term {
            Term::NamedNode(node) => Some(node),
            _ => None,
        })
    };
    Ok(SourcePage {
        description: pick_language(&own(dct::DESCRIPTION)?, labeler.lang()),
        attribution: own(dct::BIBLIOGRAPHIC_CITATION)?
            .into_iter()
            .find_map(literal_text),
        licence: first_iri(own(dct::LICENSE)?).map(|licence| labeler.link(licence.as_str())),
        homepage: first_iri(own(crate::vocab::dcat::LANDING_PAGE)?).map(NamedNode::into_string),
        initiatives: figure("initiatives"),
        placed_in_commune: figure("placed_in_commune"),
        geolocated: figure("geolocated"),
        runs,
        rejects,
        tags,
        meta,
    })
}

#[derive(Serialize)]
struct HomePage {
    lang: &'static str,
    title: &'static str,
    initiatives: i64,
    actors: i64,
    sources_count: i64,
    territories: Vec<(String, usize)>,
    regions: Vec<(LinkView, i64)>,
    domaines: Vec<LinkView>,
    sources: Vec<(LinkView, i64)>,
}

/// `GET /`: what the graph holds and where to start.
pub async fn home_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Html<String>, ShownError> {
    let lang = Lang::from_headers(&headers);
    let html = tokio::task::spawn_blocking(move || render_home(&state, lang))
        .await
        .map_err(|error| AppError::Internal(error.to_string()).as_html())?
        .map_err(AppError::as_html)?;
    Ok(Html(html))
}

fn render_home(state: &AppState, lang: Lang) -> Result<String, AppError> {
    let platform = &state.platform;
    let store = &platform.store;
    let minter = &platform.config.minter;
    let mut labeler = Labeler::new(store, minter, lang);
    let figures = store.select(include_str!("../../queries/home-figures.rq"), &[])?;
    let figure = |name: &str| {
        figures
            .iter()
            .next()
            .and_then(|row| row.integer(name))
            .unwrap_or(0)
    };
    let regions = store
        .select(include_str!("../../queries/home-regions.rq"), &[])?
        .iter()
        .filter_map(|row| {
            Some((
                row.text("region")?.to_owned(),
                row.integer("count").unwrap_or(0),
            ))
        })
        .map(|(region, count)| (labeler.link(&region), count))
        .collect();
    let domaines_scheme = minter.at("theme/domaines");
    let mut domaines: Vec<LinkView> = store
        .select(
            include_str!("../../queries/scheme-top-concepts.rq"),
            &[("scheme", domaines_scheme.into())],
        )?
        .iter()
        .filter_map(|row| row.text("concept").map(str::to_owned))
        .map(|concept| labeler.link(&concept))
        .collect();
    domaines.sort_by(|a, b| a.label.cmp(&b.label));
    let sources = store
        .select(include_str!("../../queries/home-sources.rq"), &[])?
        .iter()
        .filter_map(|row| {
            Some((
                row.text("source")?.to_owned(),
                row.integer("count").unwrap_or(0),
            ))
        })
        .map(|(source, count)| (labeler.link(&source), count))
        .collect();
    let territories = platform
        .territories()
        .map_err(|error| AppError::Internal(error.to_string()))?
        .iter()
        .fold(
            std::collections::BTreeMap::new(),
            |mut counts, territory| {
                *counts.entry(territory.kind).or_insert(0usize) += 1;
                counts
            },
        )
        .into_iter()
        .map(|(kind, count)| (kind.label_fr().to_owned(), count))
        .collect();
    let page = HomePage {
        lang: lang.code(),
        title: "ancrage",
        initiatives: figure("initiatives"),
        actors: figure("actors"),
        sources_count: figure("sources"),
        territories,
        regions,
        domaines,
        sources,
    };
    Ok(templates::render(&state.templates, "home.html", &page)?)
}
