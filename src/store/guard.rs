//! Checks on a parsed query, before evaluation, for the shapes of query that the engine cannot
//! stop once started.
//!
//! - String growth: functions such as `CONCAT` and `REPLACE` let a short query double a string
//!   at each `BIND` and ask for terabytes in one allocation, which no deadline can stop. Each
//!   expression gets an upper bound on the length of its value, from the bounds of its
//!   arguments; a query whose bound passes the limit is refused.
//! - Products of whole-graph scans: joining two patterns that share no variable, each scanning
//!   every triple (`?s ?p ?o`), asks the engine to build the product of the graph with itself,
//!   in memory, without looking at its deadline; such a query is refused.

use std::collections::HashMap;

use spargebra::Query;
use spargebra::algebra::{AggregateExpression, Expression, Function, GraphPattern};
use spargebra::term::{GroundTerm, Variable};

/// Length assumed for any value read from the data.
const DATA_VALUE_BOUND: u64 = 1 << 20;

/// The longest string a query may build, or `Err(bound)` when it may build one longer than
/// `limit` bytes.
pub fn check_string_growth(query: &Query, limit: u64) -> Result<(), u64> {
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    };
    check_pattern_string_growth(pattern, limit)
}

/// [`check_string_growth`] for one graph pattern (the `WHERE` of an update).
pub fn check_pattern_string_growth(pattern: &GraphPattern, limit: u64) -> Result<(), u64> {
    let mut bounds = Bounds {
        variables: HashMap::new(),
        limit,
        worst: 0,
    };
    bounds.pattern(pattern);
    if bounds.worst > limit {
        Err(bounds.worst)
    } else {
        Ok(())
    }
}

struct Bounds {
    variables: HashMap<Variable, u64>,
    limit: u64,
    worst: u64,
}

impl Bounds {
    fn pattern(&mut self, pattern: &GraphPattern) {
        match pattern {
            GraphPattern::Extend {
                inner,
                variable,
                expression,
            } => {
                self.pattern(inner);
                let bound = self.expression(expression);
                self.variables.insert(variable.clone(), bound);
            }
            GraphPattern::Values {
                variables,
                bindings,
            } => {
                for (column, variable) in variables.iter().enumerate() {
                    let longest = bindings
                        .iter()
                        .filter_map(|row| row.get(column).cloned().flatten())
                        .map(|term| ground_length(&term))
                        .max()
                        .unwrap_or(0);
                    self.variables.insert(variable.clone(), longest);
                }
            }
            GraphPattern::Group {
                inner, aggregates, ..
            } => {
                self.pattern(inner);
                for (variable, aggregate) in aggregates {
                    let bound = match aggregate {
                        AggregateExpression::CountSolutions { .. } => 32,
                        AggregateExpression::FunctionCall { expr, .. } => self.expression(expr),
                    };
                    self.variables.insert(variable.clone(), bound);
                }
            }
            GraphPattern::Filter { expr, inner } => {
                self.pattern(inner);
                self.expression(expr);
            }
            GraphPattern::LeftJoin {
                left,
                right,
                expression,
            } => {
                self.pattern(left);
                self.pattern(right);
                if let Some(expression) = expression {
                    self.expression(expression);
                }
            }
            GraphPattern::Join { left, right }
            | GraphPattern::Union { left, right }
            | GraphPattern::Minus { left, right } => {
                self.pattern(left);
                self.pattern(right);
            }
            GraphPattern::OrderBy { inner, .. }
            | GraphPattern::Project { inner, .. }
            | GraphPattern::Distinct { inner }
            | GraphPattern::Reduced { inner }
            | GraphPattern::Slice { inner, .. }
            | GraphPattern::Graph { inner, .. }
            | GraphPattern::Service { inner, .. } => self.pattern(inner),
            _ => (),
        }
    }

    /// An upper bound on the length of the expression's value, remembered when the worst.
    fn expression(&mut self, expression: &Expression) -> u64 {
        let bound = self.bound_of(expression);
        self.worst = self.worst.max(bound);
        bound
    }

    fn bound_of(&mut self, expression: &Expression) -> u64 {
        match expression {
            Expression::NamedNode(node) => node.as_str().len() as u64,
            Expression::Literal(literal) => literal.value().len() as u64,
            Expression::Variable(variable) => {
                *self.variables.get(variable).unwrap_or(&DATA_VALUE_BOUND)
            }
            Expression::If(_, then, otherwise) => {
                let (then, otherwise) = (self.expression(then), self.expression(otherwise));
                then.max(otherwise)
            }
            Expression::Coalesce(items) => items
                .iter()
                .map(|item| self.expression(item))
                .max()
                .unwrap_or(0),
            Expression::FunctionCall(function, arguments) => {
                let bounds: Vec<u64> = arguments
                    .iter()
                    .map(|argument| self.expression(argument))
                    .collect();
                self.function_bound(function, &bounds)
            }
            Expression::Exists(pattern) => {
                self.pattern(pattern);
                8
            }
            other => {
                // Comparisons, arithmetic and boolean operators give short values; their
                // operands are still visited for the strings they build.
                visit_operands(other, &mut |operand| {
                    self.expression(operand);
                });
                64
            }
        }
    }

    fn function_bound(&self, function: &Function, arguments: &[u64]) -> u64 {
        let first = arguments.first().copied().unwrap_or(0);
        match function {
            Function::Concat => arguments
                .iter()
                .fold(0u64, |sum, bound| sum.saturating_add(*bound)),
            // Every character may be replaced by the replacement.
            Function::Replace => {
                first.saturating_mul(arguments.get(2).copied().unwrap_or(0).max(1))
            }
            // A character may become a %XX escape.
            Function::EncodeForUri => first.saturating_mul(3),
            Function::UCase | Function::LCase => first.saturating_mul(3),
            Function::Str
            | Function::SubStr
            | Function::StrBefore
            | Function::StrAfter
            | Function::Iri
            | Function::StrLang
            | Function::StrDt
            | Function::Lang
            | Function::Datatype => first.max(64),
            Function::Custom(_) => arguments
                .iter()
                .fold(DATA_VALUE_BOUND, |sum, bound| sum.saturating_add(*bound)),
            _ => 64,
        }
        .min(self.limit.saturating_mul(1024))
    }
}

fn visit_operands(expression: &Expression, visit: &mut dyn FnMut(&Expression)) {
    match expression {
        Expression::Or(a, b)
        | Expression::And(a, b)
        | Expression::Equal(a, b)
        | Expression::SameTerm(a, b)
        | Expression::Greater(a, b)
        | Expression::GreaterOrEqual(a, b)
        | Expression::Less(a, b)
        | Expression::LessOrEqual(a, b)
        | Expression::Add(a, b)
        | Expression::Subtract(a, b)
        | Expression::Multiply(a, b)
        | Expression::Divide(a, b) => {
            visit(a);
            visit(b);
        }
        Expression::In(a, items) => {
            visit(a);
            for item in items {
                visit(item);
            }
        }
        Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => visit(a),
        _ => (),
    }
}

fn ground_length(term: &GroundTerm) -> u64 {
    match term {
        GroundTerm::NamedNode(node) => node.as_str().len() as u64,
        GroundTerm::Literal(literal) => literal.value().len() as u64,
        #[allow(unreachable_patterns)]
        _ => 64,
    }
}

/// Refuses a join of two patterns that share no variable when both scan the whole graph.
pub fn check_scan_products(query: &Query) -> Result<(), String> {
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    };
    find_scan_product(pattern)
}

/// [`check_scan_products`] for one graph pattern (the `WHERE` of an update).
pub fn check_pattern_scan_products(pattern: &GraphPattern) -> Result<(), String> {
    find_scan_product(pattern)
}

fn find_scan_product(pattern: &GraphPattern) -> Result<(), String> {
    match pattern {
        GraphPattern::Join { left, right } | GraphPattern::LeftJoin { left, right, .. } => {
            find_scan_product(left)?;
            find_scan_product(right)?;
            let (left_variables, right_variables) = (variables_of(left), variables_of(right));
            let disjoint = left_variables
                .iter()
                .all(|variable| !right_variables.contains(variable));
            if disjoint && scans_everything(left) && scans_everything(right) {
                return Err(
                    "the query joins two patterns that share no variable and each match \
                            every triple (?s ?p ?o): connect them through a variable or bind \
                            a predicate or class"
                        .into(),
                );
            }
            Ok(())
        }
        GraphPattern::Union { left, right } | GraphPattern::Minus { left, right } => {
            find_scan_product(left)?;
            find_scan_product(right)
        }
        GraphPattern::Filter { inner, .. }
        | GraphPattern::Extend { inner, .. }
        | GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Group { inner, .. } => find_scan_product(inner),
        _ => Ok(()),
    }
}

/// Whether the pattern holds a triple pattern whose three positions are variables.
fn scans_everything(pattern: &GraphPattern) -> bool {
    match pattern {
        GraphPattern::Bgp { patterns } => patterns.iter().any(|triple| {
            matches!(triple.subject, spargebra::term::TermPattern::Variable(_))
                && matches!(
                    triple.predicate,
                    spargebra::term::NamedNodePattern::Variable(_)
                )
                && matches!(triple.object, spargebra::term::TermPattern::Variable(_))
        }),
        GraphPattern::Join { left, right }
        | GraphPattern::LeftJoin { left, right, .. }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => scans_everything(left) || scans_everything(right),
        GraphPattern::Filter { inner, .. }
        | GraphPattern::Extend { inner, .. }
        | GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Group { inner, .. } => scans_everything(inner),
        _ => false,
    }
}

fn variables_of(pattern: &GraphPattern) -> Vec<Variable> {
    let mut variables = Vec::new();
    pattern.on_in_scope_variable(|variable| variables.push(variable.clone()));
    variables
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Query {
        spargebra::SparqlParser::new().parse_query(text).unwrap()
    }

    #[test]
    fn doubling_a_string_forty_times_is_refused() {
        let mut query = String::from("SELECT ?s40 WHERE { BIND(\"ab\" AS ?s0) ");
        for step in 1..=40 {
            query.push_str(&format!(
                "BIND(CONCAT(?s{p}, ?s{p}) AS ?s{step}) ",
                p = step - 1
            ));
        }
        query.push('}');
        let bound = check_string_growth(&parse(&query), 64 << 20).unwrap_err();
        assert!(bound > 64 << 20);
    }

    #[test]
    fn optionals_over_unrelated_whole_graph_scans_are_refused() {
        let nested: String = (1..5)
            .map(|i| format!("OPTIONAL {{ ?s{i} ?p{i} ?o{i} "))
            .collect();
        let query = format!("SELECT * WHERE {{ ?s0 ?p0 ?o0 {nested}{} }}", "}".repeat(4));
        assert!(check_scan_products(&parse(&query)).is_err());
    }

    #[test]
    fn connected_scans_and_single_scans_pass() {
        for text in [
            "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
            "SELECT * WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
            "SELECT * WHERE { ?s a ?c . ?x ?y ?z }",
        ] {
            assert_eq!(check_scan_products(&parse(text)), Ok(()), "{text}");
        }
    }

    #[test]
    fn ordinary_string_functions_pass() {
        let query = parse(
            "SELECT ?label WHERE { ?s ?p ?name BIND(CONCAT(UCASE(?name), \" (\", STR(?s), \")\") AS ?label) }",
        );
        assert_eq!(check_string_growth(&query, 64 << 20), Ok(()));
    }

    #[test]
    fn replacing_every_character_by_a_long_text_counts() {
        let replacement = "x".repeat(100);
        let query = parse(&format!(
            "SELECT ?r WHERE {{ ?s ?p ?o BIND(REPLACE(?o, \".\", \"{replacement}\") AS ?r) }}"
        ));
        assert_eq!(check_string_growth(&query, 64 << 20), Err((1 << 20) * 100));
    }
}
