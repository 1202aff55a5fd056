//! A counterexample as an SVG space-time diagram: one vertical lane per node,
//! steps going down, each message an arrow from where and when it was sent to
//! where and when it arrived (lost ones dashed and crossed), timers as dots,
//! faults as shaded spans on their lane (crash until restart, pause until
//! resume, partition until heal), and a bar on each client's lane while it
//! believes it holds the lock; steps where two clients believe it at once are
//! banded red. Self-contained: no script, no external font.

use std::fmt::Write;

use crate::world::{Diagram, EventKind, Fate, FaultEvent};

const LANE_WIDTH: usize = 150;
const ROW_HEIGHT: usize = 20;
const LEFT: usize = 56;
const TOP: usize = 44;
const LABEL_CHARS: usize = 30;

use super::escape;

fn shorten(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        text.to_string()
    } else {
        let cut: String = text.chars().take(LABEL_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// The diagram as one `<svg>` element; `title` is drawn above it.
pub fn spacetime_svg(d: &Diagram, title: &str) -> String {
    let lanes = d.nodes.len();
    let steps = d.events.len();
    let width = LEFT + LANE_WIDTH * lanes + 10;
    let height = TOP + ROW_HEIGHT * (steps + 2);
    let x = |n: usize| LEFT + LANE_WIDTH * n + LANE_WIDTH / 2;
    // Step 0 is the initial state, at the top.
    let y = |step: usize| TOP + ROW_HEIGHT * step + ROW_HEIGHT / 2;
    let bottom = y(steps) + ROW_HEIGHT / 2;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"spacetime\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"11\" role=\"img\">\
         <title>{}</title>\
         <defs><marker id=\"arrowhead\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"3\" orient=\"auto\">\
         <path d=\"M0,0 L0,6 L7,3 z\" fill=\"#333\"/></marker>\
         <marker id=\"arrowhead-dup\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"3\" orient=\"auto\">\
         <path d=\"M0,0 L0,6 L7,3 z\" fill=\"#1565c0\"/></marker></defs>\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
        escape(title)
    );

    // Rows where two or more clients believe they hold the lock.
    let mut holders_at: Vec<&[usize]> = vec![&d.initial_holders];
    holders_at.extend(d.events.iter().map(|e| e.holders.as_slice()));
    for (step, h) in holders_at.iter().enumerate() {
        if h.len() > 1 {
            let _ = write!(
                svg,
                "<rect x=\"0\" y=\"{}\" width=\"{width}\" height=\"{ROW_HEIGHT}\" fill=\"#ffcdd2\"><title>step {step}: {} clients believe they hold the lock</title></rect>",
                y(step) - ROW_HEIGHT / 2,
                h.len()
            );
        }
    }

    // Real time on the left, a dotted rule where it advances.
    let _ = write!(
        svg,
        "<text x=\"4\" y=\"{}\" fill=\"#555\">t=0</text>",
        y(0) + 4
    );
    let mut last_tick = 0;
    for e in &d.events {
        if e.tick != last_tick {
            last_tick = e.tick;
            let _ = write!(
                svg,
                "<line x1=\"0\" y1=\"{0}\" x2=\"{width}\" y2=\"{0}\" stroke=\"#ccc\" stroke-dasharray=\"2,3\"/>\
                 <text x=\"4\" y=\"{1}\" fill=\"#555\">t={2}</text>",
                y(e.step) - ROW_HEIGHT / 2,
                y(e.step) + 4,
                e.tick
            );
        }
    }

    // Lanes.
    for (n, name) in d.nodes.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{0}\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"12\">{1}</text>\
             <line x1=\"{0}\" y1=\"24\" x2=\"{0}\" y2=\"{2}\" stroke=\"#999\"/>",
            x(n),
            escape(name),
            bottom
        );
    }

    // Fault spans, drawn under everything else on the lane.
    let mut open: Vec<(usize, FaultEvent, usize)> = Vec::new();
    let mut spans: Vec<(usize, FaultEvent, usize, usize)> = Vec::new();
    for e in &d.events {
        if let EventKind::Fault { node, fault } = &e.kind {
            if fault.starts_span() {
                if let Some(n) = node {
                    open.push((*n, *fault, e.step));
                }
            } else {
                open.retain(|(n, start, from)| {
                    let ends = fault.ends(*start) && (node.is_none() || *node == Some(*n));
                    if ends {
                        spans.push((*n, *start, *from, e.step));
                    }
                    !ends
                });
            }
        }
    }
    spans.extend(open.into_iter().map(|(n, f, from)| (n, f, from, steps)));
    for (n, fault, from, to) in spans {
        let (fill, what) = match fault {
            FaultEvent::Crash => ("#ef9a9a", "crashed"),
            FaultEvent::Pause => ("#ffcc80", "paused"),
            _ => ("#ce93d8", "partitioned"),
        };
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" opacity=\"0.6\"><title>{} {what} from step {from} to step {to}</title></rect>",
            x(n) - LANE_WIDTH / 2 + 6,
            y(from),
            LANE_WIDTH - 12,
            (y(to) - y(from)).max(2),
            escape(&d.nodes[n])
        );
    }

    // Lock-holding bars.
    for &client in &d.clients {
        let mut since: Option<usize> = None;
        for (step, h) in holders_at.iter().enumerate() {
            let holds = h.contains(&client);
            match (since, holds) {
                (None, true) => since = Some(step),
                (Some(from), false) => {
                    hold_bar(&mut svg, x(client), y(from), y(step), &d.nodes[client]);
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(from) = since {
            hold_bar(&mut svg, x(client), y(from), bottom, &d.nodes[client]);
        }
    }

    // Events.
    for e in &d.events {
        let ey = y(e.step);
        let tip = format!("step {} (t={}): {}", e.step, e.tick, e.label);
        match &e.kind {
            EventKind::Tick => {}
            EventKind::Message {
                from,
                to,
                sent_step,
                fate,
            } => {
                let (x1, y1, x2) = (x(*from), y(*sent_step), x(*to));
                match fate {
                    Fate::Delivered => {
                        let _ = write!(
                            svg,
                            "<g><title>{}</title><line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{ey}\" stroke=\"#333\" marker-end=\"url(#arrowhead)\"/>",
                            escape(&tip)
                        );
                    }
                    Fate::Lost => {
                        // Drawn halfway, then crossed.
                        let (mx, my) = ((x1 + x2) / 2, (y1 + ey) / 2);
                        let _ = write!(
                            svg,
                            "<g><title>{}</title><line x1=\"{x1}\" y1=\"{y1}\" x2=\"{mx}\" y2=\"{my}\" stroke=\"#c62828\" stroke-dasharray=\"5,3\"/>\
                             <path d=\"M{} {} L{} {} M{} {} L{} {}\" stroke=\"#c62828\" stroke-width=\"2\"/>",
                            escape(&format!("LOST {tip}")),
                            mx - 5,
                            my - 5,
                            mx + 5,
                            my + 5,
                            mx - 5,
                            my + 5,
                            mx + 5,
                            my - 5
                        );
                    }
                    Fate::Duplicated => {
                        let _ = write!(
                            svg,
                            "<g><title>{}</title><line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{ey}\" stroke=\"#1565c0\" stroke-dasharray=\"1,3\" marker-end=\"url(#arrowhead-dup)\"/>",
                            escape(&format!("DUPLICATED {tip}"))
                        );
                    }
                }
                let anchor = if x2 >= x1 { "end" } else { "start" };
                let lx = if x2 >= x1 { x2 - 6 } else { x2 + 6 };
                let _ = write!(
                    svg,
                    "<text x=\"{lx}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"{}\">{} {}</text></g>",
                    ey - 3,
                    if *fate == Fate::Lost {
                        "#c62828"
                    } else {
                        "#000"
                    },
                    e.step,
                    escape(&shorten(&e.label))
                );
            }
            EventKind::Timer { node } => {
                let _ = write!(
                    svg,
                    "<g><title>{}</title><circle cx=\"{}\" cy=\"{ey}\" r=\"4\" fill=\"#fff\" stroke=\"#1565c0\" stroke-width=\"2\"/>\
                     <text x=\"{}\" y=\"{}\" fill=\"#1565c0\">{} {}</text></g>",
                    escape(&tip),
                    x(*node),
                    x(*node) + 7,
                    ey + 4,
                    e.step,
                    escape(&shorten(&e.label))
                );
            }
            EventKind::Fault { node, .. } => {
                let lane = node.unwrap_or(0);
                let _ = write!(
                    svg,
                    "<g><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"8\" height=\"8\" fill=\"#b71c1c\"/>\
                     <text x=\"{}\" y=\"{}\" fill=\"#b71c1c\" font-weight=\"bold\">{} {}</text></g>",
                    escape(&tip),
                    x(lane) - 4,
                    ey - 4,
                    x(lane) + 7,
                    ey + 4,
                    e.step,
                    escape(&shorten(&e.label))
                );
            }
        }
    }
    // A lasso: the steps after `k` repeat forever.
    if let Some(k) = d.loop_start.filter(|k| *k < steps) {
        let (x0, top) = (width - 8, y(k) + ROW_HEIGHT / 2);
        let _ = write!(
            svg,
            "<g><title>from step {} on, these steps repeat forever</title>\
             <path d=\"M{} {top} L{x0} {top} L{x0} {bottom} L{} {bottom}\" fill=\"none\" stroke=\"#6a1b9a\" stroke-width=\"2\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#6a1b9a\" font-weight=\"bold\">forever ↺</text></g>",
            k + 1,
            x0 - 6,
            x0 - 6,
            x0 - 4,
            top + 12
        );
    }
    svg.push_str("</svg>");
    svg
}

fn hold_bar(svg: &mut String, x: usize, y1: usize, y2: usize, name: &str) {
    let _ = write!(
        svg,
        "<rect x=\"{}\" y=\"{y1}\" width=\"6\" height=\"{}\" fill=\"#2e7d32\"><title>{} believes it holds the lock</title></rect>",
        x - 3,
        (y2 - y1).max(2),
        escape(name)
    );
}
