//! The search index inside SPARQL: `SERVICE <https://w3id.org/ancrage/search> { ... }` binds
//! the initiatives that match a text (and filters) with their score, so that full text combines
//! with graph patterns in one query.
//!
//! ```sparql
//! PREFIX search: <https://w3id.org/ancrage/search#>
//! SELECT ?initiative ?score WHERE {
//!   SERVICE <https://w3id.org/ancrage/search> {
//!     ?initiative search:query "médiation numérique" ; search:score ?score .
//!   }
//!   ?initiative anc:commune/igeo:subdivisionDe <…/territoire/region/76> .
//! }
//! ```
//!
//! Parameters, as triples on the same subject: `search:query` (text), `search:theme`,
//! `search:territory` (`region:76`, `departement:33`…), `search:source`, `search:limit` (most
//! results, 10,000 by default); outputs: the subject variable (the initiative), `search:score`,
//! `search:name`.

use std::error::Error;
use std::sync::Arc;

use oxigraph::model::{Literal, NamedNode, Term, Variable};
use oxigraph::sparql::{QuerySolution, QuerySolutionIter};
use spargebra::algebra::GraphPattern;
use spargebra::term::{NamedNodePattern, TermPattern};

use crate::search::{MAX_LIMIT, SearchIndex, SearchRequest};
use crate::store::LocalService;

/// IRI of the service.
pub const SEARCH_SERVICE: &str = "https://w3id.org/ancrage/search";
/// Namespace of the service's parameters.
pub const SEARCH_NAMESPACE: &str = "https://w3id.org/ancrage/search#";
/// Results returned when the query gives no `search:limit`.
const DEFAULT_SERVICE_LIMIT: usize = 10_000;

/// The search index as a SPARQL service.
pub struct SearchService {
    index: Arc<SearchIndex>,
}

impl SearchService {
    /// A service answering from `index`.
    pub fn new(index: Arc<SearchIndex>) -> Self {
        Self { index }
    }
}

/// What a service pattern asks for.
#[derive(Default)]
struct ServiceCall {
    subject: Option<Variable>,
    score: Option<Variable>,
    name: Option<Variable>,
    request: SearchRequest,
    limit: usize,
}

impl LocalService for SearchService {
    fn iri(&self) -> &str {
        SEARCH_SERVICE
    }

    fn evaluate(
        &self,
        pattern: &GraphPattern,
    ) -> Result<QuerySolutionIter<'static>, Box<dyn Error + Send + Sync>> {
        let call = read_call(pattern)?;
        let subject = call
            .subject
            .clone()
            .ok_or("the search pattern needs a variable subject")?;
        let mut variables = vec![subject];
        variables.extend(call.score.clone());
        variables.extend(call.name.clone());
        let variables: Arc<[Variable]> = variables.into();

        let mut rows = Vec::new();
        let mut request = call.request.clone();
        request.limit = MAX_LIMIT;
        while rows.len() < call.limit {
            let response = self.index.search(&request)?;
            for hit in &response.hits {
                let mut row = vec![Some(Term::from(NamedNode::new(hit.iri.clone())?))];
                if call.score.is_some() {
                    row.push(Some(Literal::from(f64::from(hit.score)).into()));
                }
                if call.name.is_some() {
                    row.push(Some(Literal::new_simple_literal(&hit.name).into()));
                }
                rows.push(Ok(QuerySolution::from((Arc::clone(&variables), row))));
            }
            match response.next_cursor {
                Some(cursor) if !response.hits.is_empty() => request.cursor = Some(cursor),
                _ => break,
            }
        }
        rows.truncate(call.limit);
        Ok(QuerySolutionIter::new(variables, rows))
    }
}

fn read_call(pattern: &GraphPattern) -> Result<ServiceCall, Box<dyn Error + Send + Sync>> {
    let GraphPattern::Bgp { patterns } = pattern else {
        return Err("the search service takes triple patterns only".into());
    };
    let mut call = ServiceCall {
        limit: DEFAULT_SERVICE_LIMIT,
        ..ServiceCall::default()
    };
    for triple in patterns {
        let TermPattern::Variable(subject) = &triple.subject else {
            return Err("the subject of a search pattern must be a variable".into());
        };
        call.subject = Some(subject.clone());
        let NamedNodePattern::NamedNode(predicate) = &triple.predicate else {
            return Err("search parameters are named by IRIs".into());
        };
        let parameter = predicate
            .as_str()
            .strip_prefix(SEARCH_NAMESPACE)
            .ok_or_else(|| format!("<{}> is not a search parameter", predicate.as_str()))?;
        read_parameter(&mut call, parameter, &triple.object)?;
    }
    Ok(call)
}

fn read_parameter(
    call: &mut ServiceCall,
    parameter: &str,
    object: &TermPattern,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let text = || match object {
        TermPattern::Literal(literal) => Ok(literal.value().to_owned()),
        _ => Err(format!("search:{parameter} takes a literal")),
    };
    let variable = || match object {
        TermPattern::Variable(variable) => Ok(variable.clone()),
        _ => Err(format!("search:{parameter} binds a variable")),
    };
    match parameter {
        "query" => call.request.text = text()?,
        "theme" => call.request.themes.push(text()?),
        "territory" => call.request.territory = Some(text()?),
        "source" => call.request.sources.push(text()?),
        "limit" => call.limit = text()?.parse().map_err(|_| "search:limit takes a number")?,
        "score" => call.score = Some(variable()?),
        "name" => call.name = Some(variable()?),
        other => return Err(format!("search:{other} is not a search parameter").into()),
    }
    Ok(())
}
