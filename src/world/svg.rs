//! A path through the world as an SVG sequence diagram, for stateright's
//! Explorer (`Model::as_svg`): one lane per node, a row per step, messages as
//! arrows from sender to receiver, faults and timers as labels on the lane.

use std::fmt::Write;

use super::{Action, World, WorldState, describe_action};
use crate::node::LockModel;

const LANE_WIDTH: usize = 140;
const ROW_HEIGHT: usize = 22;
const TOP: usize = 40;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn path_svg<M: LockModel>(
    world: &World<M>,
    states: &[WorldState<M>],
    actions: &[Action<M::Msg, M::Timer>],
) -> String {
    let names = world.node_names();
    let width = LANE_WIDTH * names.len() + 40;
    let height = TOP + ROW_HEIGHT * (actions.len() + 2);
    let x = |n: usize| 20 + LANE_WIDTH * n + LANE_WIDTH / 2;
    let mut svg = format!(
        "<svg version='1.1' baseProfile='full' width='{width}' height='{height}' viewBox='0 0 {width} {height}' xmlns='http://www.w3.org/2000/svg' font-family='monospace' font-size='11'>\
         <defs><marker id='arrow' markerWidth='10' markerHeight='10' refX='9' refY='3' orient='auto'><path d='M0,0 L0,6 L9,3 z'/></marker></defs>"
    );
    for (n, name) in names.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x='{}' y='20' text-anchor='middle' font-weight='bold'>{}</text><line x1='{0}' y1='28' x2='{0}' y2='{}' stroke='#bbb'/>",
            x(n),
            escape(name),
            height - 10
        );
    }
    for (i, action) in actions.iter().enumerate() {
        let y = TOP + ROW_HEIGHT * (i + 1);
        let (actor, event) = describe_action(world, &states[i], action);
        match action {
            Action::Deliver(env) | Action::Drop(env) | Action::Duplicate(env) => {
                let (from, to) = (x(env.src.index()), x(env.dst.index()));
                let lost = matches!(action, Action::Drop(_));
                let _ = write!(
                    svg,
                    "<line x1='{from}' y1='{y}' x2='{to}' y2='{y}' stroke='{}' stroke-dasharray='{}' marker-end='url(#arrow)'/>",
                    if lost { "#c00" } else { "#000" },
                    if lost { "4" } else { "0" }
                );
                let label = event.split_once(": ").map_or(event.as_str(), |(_, m)| m);
                let _ = write!(
                    svg,
                    "<text x='{}' y='{}' text-anchor='middle'>{} {}</text>",
                    (from + to) / 2,
                    y - 4,
                    i + 1,
                    escape(label)
                );
            }
            Action::Tick => {
                let _ = write!(
                    svg,
                    "<text x='4' y='{y}' fill='#888'>t={}</text>",
                    states[i + 1].now
                );
            }
            _ => {
                let lane = names.iter().position(|n| *n == actor).unwrap_or(0);
                let fault = !matches!(action, Action::Fire { .. });
                let _ = write!(
                    svg,
                    "<rect x='{}' y='{}' width='{}' height='{}' fill='{}' opacity='0.3'/><text x='{}' y='{y}'>{} {}</text>",
                    x(lane) - LANE_WIDTH / 2 + 4,
                    y - 13,
                    LANE_WIDTH - 8,
                    ROW_HEIGHT - 4,
                    if fault { "#f88" } else { "#8cf" },
                    x(lane) - LANE_WIDTH / 2 + 8,
                    i + 1,
                    escape(&event)
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}
