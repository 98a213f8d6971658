//! One harvest run of one source: fetch, read, map, place, validate, compare with the previous
//! run, then replace the source's graphs in a single transaction.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::time::Instant;

use oxigraph::model::vocab::{rdfs, xsd};
use oxigraph::model::{Literal, NamedNode, Quad, Term};
use sha2::{Digest, Sha256};

use super::IngestError;
use super::check::{Finding, RecordValidator, is_report_node, write_check_report};
use super::descriptor::{DataLocation, SourceDescriptor};
use super::mapping::{ConceptIndex, MappingFault, RecordMapper};
use super::place::Gazetteer;
use super::read::read_records;
use super::record::Record;
use super::to_rdf::{RunCounts, write_initiative, write_run, write_source};
use crate::iri::{GraphKind, IriMinter};
use crate::rdf::QuadBuffer;
use crate::store::Store;
use crate::vocab::{anc, dct, prov};

/// Largest file a harvest downloads or reads.
const MAX_DATA_BYTES: usize = 512 * 1024 * 1024;

/// What a harvest needs besides the descriptor.
pub struct HarvestContext<'a> {
    /// The graph.
    pub store: &'a Store,
    /// IRIs of the deployment.
    pub minter: &'a IriMinter,
    /// Places records in territories.
    pub gazetteer: &'a Gazetteer,
    /// The vocabularies' concepts.
    pub concepts: &'a ConceptIndex,
    /// Validation of each record.
    pub validator: &'a dyn RecordValidator,
}

/// A record kept out of the graph, with why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reject {
    /// 1-based position in the source.
    pub number: usize,
    /// Line of the file, when known.
    pub line: Option<u64>,
    /// Id in the source, when known.
    pub id: Option<String>,
    /// What is wrong.
    pub reasons: Vec<String>,
}

/// What a harvest did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HarvestOutcome {
    /// The source.
    pub source_id: String,
    /// IRI of the run.
    pub run: String,
    /// Counts of the run.
    pub counts: RunCounts,
    /// Records kept in quarantine.
    pub rejects: Vec<Reject>,
    /// Accepted records placed in a commune.
    pub placed_in_commune: usize,
    /// Accepted records with plausible coordinates.
    pub geolocated: usize,
    /// Accepted records by placement method slug.
    pub placement_methods: Vec<(String, usize)>,
    /// Notes on corrections made while mapping, by kind, with counts.
    pub notes: Vec<(String, usize)>,
    /// Initiatives written, changed or gone in this run (for the search index).
    #[serde(skip)]
    pub touched: Vec<NamedNode>,
    /// Wall-clock duration in seconds.
    pub seconds: f64,
}

struct PreviousRecord {
    hash: String,
    run: NamedNode,
    invalidated: Option<Literal>,
}

/// Harvests one source into the store.
pub fn harvest_source(
    context: &HarvestContext<'_>,
    descriptor: &SourceDescriptor,
) -> Result<HarvestOutcome, IngestError> {
    let clock = Instant::now();
    let started = chrono::Utc::now();
    let minter = context.minter;
    let run = minter.harvest_run(
        &descriptor.id,
        &started.format("%Y%m%dT%H%M%S%.3fZ").to_string(),
    );

    let bytes = fetch(descriptor)?;
    let outcome = read_records(&bytes, &descriptor.data, minter.base())?;
    let fingerprint = descriptor_fingerprint(descriptor)?;
    let previous = previous_records(context, descriptor)?;

    let mapper = RecordMapper::new(descriptor, context.concepts, context.gazetteer, minter);
    let mut state = RunState::default();
    let mut source_graph = QuadBuffer::new(minter.graph(&GraphKind::Source(descriptor.id.clone())));
    let mut quarantine =
        QuadBuffer::new(minter.graph(&GraphKind::Quarantine(descriptor.id.clone())));
    state.counts.read = outcome.records.len() + outcome.errors.len();
    for error in &outcome.errors {
        let reason = format!("record {} cannot be read: {}", error.number, error.reason);
        state.reject(
            &mut quarantine,
            minter,
            descriptor,
            error.number,
            error.line,
            None,
            vec![reason],
            &error.raw,
        );
    }

    for record in &outcome.records {
        process_record(
            context,
            descriptor,
            &mapper,
            record,
            &fingerprint,
            &previous,
            &run,
            &mut state,
            &mut source_graph,
            &mut quarantine,
        );
    }
    carry_gone_records(
        context,
        descriptor,
        &previous,
        started,
        &mut state,
        &mut source_graph,
    )?;

    let mut seen_tags: Vec<(String, String)> = state.tag_counts.keys().cloned().collect();
    seen_tags.sort();
    write_source(&mut source_graph, minter, descriptor, &seen_tags);
    let ended = chrono::Utc::now();
    let mut runs = QuadBuffer::new(minter.graph(&GraphKind::Harvests));
    write_run(
        &mut runs,
        &run,
        &minter.source(&descriptor.id),
        started,
        ended,
        &state.counts,
    );

    context.store.replace_graphs(
        &[
            (
                minter.graph(&GraphKind::Source(descriptor.id.clone())),
                source_graph.into_quads(),
            ),
            (
                minter.graph(&GraphKind::Quarantine(descriptor.id.clone())),
                quarantine.into_quads(),
            ),
        ],
        &runs.into_quads(),
    )?;

    Ok(state.into_outcome(descriptor, run, clock.elapsed().as_secs_f64()))
}

#[derive(Default)]
struct RunState {
    counts: RunCounts,
    rejects: Vec<Reject>,
    seen: HashSet<String>,
    placed_in_commune: usize,
    geolocated: usize,
    methods: HashMap<&'static str, usize>,
    notes: HashMap<String, usize>,
    tag_counts: HashMap<(String, String), usize>,
    touched: Vec<NamedNode>,
}

impl RunState {
    #[allow(clippy::too_many_arguments)]
    fn reject(
        &mut self,
        quarantine: &mut QuadBuffer,
        minter: &IriMinter,
        descriptor: &SourceDescriptor,
        number: usize,
        line: Option<u64>,
        id: Option<String>,
        reasons: Vec<String>,
        raw: &str,
    ) {
        self.counts.rejected += 1;
        let key = id.clone().unwrap_or_else(|| format!("position-{number}"));
        let record = minter.record(&descriptor.id, &key);
        quarantine.add_type(&record, anc::REJECTED_RECORD);
        quarantine.add_link(&record, anc::IN_SOURCE, &minter.source(&descriptor.id));
        if let Some(id) = &id {
            quarantine.add_text(&record, dct::IDENTIFIER, id);
        }
        let json_datatype =
            NamedNode::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON");
        quarantine.add_typed(&record, anc::RAW_RECORD, raw, json_datatype.as_ref());
        let position = match line {
            Some(line) => format!("record {number} (line {line})"),
            None => format!("record {number}"),
        };
        for reason in &reasons {
            quarantine.add_lang_text(
                &record,
                rdfs::COMMENT,
                &format!("{position}: {reason}"),
                "en",
            );
        }
        self.rejects.push(Reject {
            number,
            line,
            id,
            reasons,
        });
    }

    fn into_outcome(
        self,
        descriptor: &SourceDescriptor,
        run: NamedNode,
        seconds: f64,
    ) -> HarvestOutcome {
        let mut placement_methods: Vec<(String, usize)> = self
            .methods
            .into_iter()
            .map(|(method, count)| (method.to_owned(), count))
            .collect();
        placement_methods.sort();
        let mut notes: Vec<(String, usize)> = self.notes.into_iter().collect();
        notes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        HarvestOutcome {
            source_id: descriptor.id.clone(),
            run: run.into_string(),
            counts: self.counts,
            rejects: self.rejects,
            placed_in_commune: self.placed_in_commune,
            geolocated: self.geolocated,
            placement_methods,
            notes,
            touched: self.touched,
            seconds,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn process_record(
    context: &HarvestContext<'_>,
    descriptor: &SourceDescriptor,
    mapper: &RecordMapper<'_>,
    record: &Record,
    fingerprint: &[u8],
    previous: &HashMap<String, PreviousRecord>,
    run: &NamedNode,
    state: &mut RunState,
    source_graph: &mut QuadBuffer,
    quarantine: &mut QuadBuffer,
) {
    let minter = context.minter;
    let raw = record.to_json();
    let id = mapper.record_id(record);
    if let Some(id) = &id
        && !state.seen.insert(id.clone())
    {
        let reason = format!("another record of the source already has the id {id:?}");
        state.reject(
            quarantine,
            minter,
            descriptor,
            record.number,
            record.line,
            Some(id.clone()),
            vec![reason],
            &raw,
        );
        return;
    }
    let mapped = match mapper.map(record) {
        Ok(mapped) => mapped,
        Err(faults) => {
            let reasons = faults.iter().map(describe_fault).collect();
            state.reject(
                quarantine,
                minter,
                descriptor,
                record.number,
                record.line,
                id,
                reasons,
                &raw,
            );
            return;
        }
    };

    let hash = record_hash(fingerprint, record);
    let record_iri = minter.record(&descriptor.id, &mapped.record_id);
    let earlier = previous.get(record_iri.as_str());
    let unchanged =
        earlier.is_some_and(|earlier| earlier.hash == hash && earlier.invalidated.is_none());
    let generating_run = if unchanged {
        &earlier.expect("checked").run
    } else {
        run
    };

    let mut record_quads = QuadBuffer::new(minter.graph(&GraphKind::Source(descriptor.id.clone())));
    write_initiative(
        &mut record_quads,
        minter,
        descriptor,
        &mapped,
        &hash,
        generating_run,
    );
    let initiative = minter.initiative(&descriptor.id, &mapped.record_id);
    let record_quads = record_quads.into_quads();
    let check = context.validator.check(&initiative, &record_quads);
    if !check.violations.is_empty() {
        write_check_report(quarantine, &record_iri, &check);
        state.reject(
            quarantine,
            minter,
            descriptor,
            record.number,
            record.line,
            Some(mapped.record_id.clone()),
            check.violations.iter().map(Finding::to_reason).collect(),
            &raw,
        );
        return;
    }

    state.counts.accepted += 1;
    match earlier {
        None => state.counts.new += 1,
        Some(_) if unchanged => state.counts.unchanged += 1,
        Some(_) => state.counts.changed += 1,
    }
    if !unchanged {
        state.touched.push(initiative);
    }
    state.placed_in_commune += usize::from(mapped.placement.method.reaches_commune());
    state.geolocated += usize::from(mapped.placement.point.is_some());
    *state
        .methods
        .entry(mapped.placement.method.slug())
        .or_default() += 1;
    for note in &mapped.notes {
        *state.notes.entry(note_kind(note)).or_default() += 1;
    }
    for tag in &mapped.tags {
        *state.tag_counts.entry(tag.clone()).or_default() += 1;
    }
    source_graph.absorb(record_quads);
    write_check_report(source_graph, &record_iri, &check);
}

/// Records of the previous run that this run did not see stay in the graph, marked as gone.
fn carry_gone_records(
    context: &HarvestContext<'_>,
    descriptor: &SourceDescriptor,
    previous: &HashMap<String, PreviousRecord>,
    now: chrono::DateTime<chrono::Utc>,
    state: &mut RunState,
    source_graph: &mut QuadBuffer,
) -> Result<(), IngestError> {
    let minter = context.minter;
    let seen_records: HashSet<String> = state
        .seen
        .iter()
        .map(|id| minter.record(&descriptor.id, id).into_string())
        .collect();
    let graph = minter.graph(&GraphKind::Source(descriptor.id.clone()));
    let mut old_quads: Option<Vec<Quad>> = None;
    for (record_iri, earlier) in previous {
        if seen_records.contains(record_iri) {
            continue;
        }
        let old = match &mut old_quads {
            Some(quads) => quads,
            None => old_quads.insert(context.store.graph_quads(graph.as_ref())?),
        };
        let record = NamedNode::new_unchecked(record_iri.clone());
        let initiatives: Vec<NamedNode> = old
            .iter()
            .filter(|quad| {
                quad.predicate == prov::WAS_DERIVED_FROM
                    && quad.object == Term::from(record.clone())
            })
            .filter_map(|quad| match &quad.subject {
                oxigraph::model::NamedOrBlankNode::NamedNode(node) => Some(node.clone()),
                _ => None,
            })
            .collect();
        let owned: Vec<String> = std::iter::once(record.as_str().to_owned())
            .chain(
                initiatives
                    .iter()
                    .flat_map(|i| [i.as_str().to_owned(), format!("{}#position", i.as_str())]),
            )
            .collect();
        // The record's validation report goes with it, so its page still lists what to fix.
        let is_owned = |subject: &str| {
            owned.iter().any(|iri| iri == subject) || is_report_node(record.as_str(), subject)
        };
        source_graph.absorb(
            old.iter()
                .filter(|quad| matches!(&quad.subject, oxigraph::model::NamedOrBlankNode::NamedNode(s) if is_owned(s.as_str())))
                .filter(|quad| quad.predicate != prov::INVALIDATED_AT_TIME)
                .cloned()
                .collect(),
        );
        let invalidated = earlier
            .invalidated
            .clone()
            .unwrap_or_else(|| Literal::new_typed_literal(now.to_rfc3339(), xsd::DATE_TIME));
        for subject in std::iter::once(&record).chain(&initiatives) {
            source_graph.add(
                subject.clone(),
                prov::INVALIDATED_AT_TIME,
                invalidated.clone(),
            );
        }
        if earlier.invalidated.is_none() {
            state.counts.gone += 1;
            state.touched.extend(initiatives);
        }
    }
    Ok(())
}

fn previous_records(
    context: &HarvestContext<'_>,
    descriptor: &SourceDescriptor,
) -> Result<HashMap<String, PreviousRecord>, IngestError> {
    let graph = context
        .minter
        .graph(&GraphKind::Source(descriptor.id.clone()));
    let rows = context.store.select(
        include_str!("../../queries/harvest-previous-records.rq"),
        &[("graph", graph.into())],
    )?;
    let mut records = HashMap::new();
    for row in rows.iter() {
        let (Some(Term::NamedNode(record)), Some(hash), Some(Term::NamedNode(run))) =
            (row.term("record"), row.text("hash"), row.term("run"))
        else {
            continue;
        };
        let invalidated = match row.term("invalidated") {
            Some(Term::Literal(literal)) => Some(literal.clone()),
            _ => None,
        };
        records.insert(
            record.as_str().to_owned(),
            PreviousRecord {
                hash: hash.to_owned(),
                run: run.clone(),
                invalidated,
            },
        );
    }
    Ok(records)
}

fn fetch(descriptor: &SourceDescriptor) -> Result<Vec<u8>, IngestError> {
    match descriptor.data_location() {
        DataLocation::File(path) => {
            let file = std::fs::File::open(&path).map_err(|source| IngestError::Io {
                path: path.clone(),
                source,
            })?;
            let mut bytes = Vec::new();
            file.take(MAX_DATA_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|source| IngestError::Io {
                    path: path.clone(),
                    source,
                })?;
            if bytes.len() > MAX_DATA_BYTES {
                return Err(IngestError::TooLarge {
                    limit: MAX_DATA_BYTES,
                });
            }
            Ok(bytes)
        }
        DataLocation::Url(url) => {
            let fault = |message: String| IngestError::Fetch {
                url: url.clone(),
                message,
            };
            let mut response = ureq::get(&url)
                .call()
                .map_err(|error| fault(error.to_string()))?;
            response
                .body_mut()
                .with_config()
                .limit(MAX_DATA_BYTES as u64)
                .read_to_vec()
                .map_err(|error| fault(error.to_string()))
        }
    }
}

/// A digest of the descriptor's content: a new mapping changes every record's hash.
fn descriptor_fingerprint(descriptor: &SourceDescriptor) -> Result<Vec<u8>, IngestError> {
    std::fs::read(&descriptor.path).map_err(|source| IngestError::Io {
        path: descriptor.path.clone(),
        source,
    })
}

fn record_hash(fingerprint: &[u8], record: &Record) -> String {
    let mut hasher = Sha256::new();
    hasher.update(fingerprint);
    hasher.update(canonical_json(&serde_json::Value::Object(record.fields.clone())).as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// JSON with object keys sorted, so that equal records hash equally.
fn canonical_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let members: Vec<String> = keys
                .into_iter()
                .map(|key| {
                    format!(
                        "{}:{}",
                        serde_json::Value::String(key.clone()),
                        canonical_json(&map[key])
                    )
                })
                .collect();
            format!("{{{}}}", members.join(","))
        }
        serde_json::Value::Array(items) => {
            format!(
                "[{}]",
                items
                    .iter()
                    .map(canonical_json)
                    .collect::<Vec<_>>()
                    .join(",")
            )
        }
        other => other.to_string(),
    }
}

fn describe_fault(fault: &MappingFault) -> String {
    format!("{}: {}", fault.field, fault.message)
}

/// Notes grouped by kind for the report: the text without the record's own values.
fn note_kind(note: &str) -> String {
    let mut kind = String::new();
    let mut in_quotes = false;
    for character in note.chars() {
        match character {
            '"' => {
                in_quotes = !in_quotes;
                if in_quotes {
                    kind.push_str("\"…\"");
                }
            }
            _ if in_quotes => (),
            c if c.is_ascii_digit() => {
                if !kind.ends_with('#') {
                    kind.push('#');
                }
            }
            c => kind.push(c),
        }
    }
    kind
}
