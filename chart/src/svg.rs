//! The drawing primitives a chart is made of, and their SVG text.
//!
//! Every style is a presentation attribute (no CSS), so the file looks the
//! same in a browser, an image viewer and a README. Text is monospace
//! (DejaVu Sans Mono and its kin), whose fixed advance lets the layout
//! measure text without a font engine.

use std::fmt::Write;

/// A finished drawing, in pixels.
#[derive(Clone, Debug, Default)]
pub struct Drawing {
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<Shape>,
}

#[derive(Clone, Debug)]
pub enum Shape {
    Rect(Rect),
    Line(Line),
    Text(Text),
    /// An ✕ of two strokes, centred on (x, y).
    Cross {
        x: f64,
        y: f64,
        r: f64,
        stroke: &'static str,
    },
    /// A filled circle.
    Dot {
        x: f64,
        y: f64,
        r: f64,
        fill: &'static str,
    },
    /// A polyline with an arrowhead at its end.
    Path {
        points: Vec<(f64, f64)>,
        stroke: &'static str,
        dashed: bool,
    },
}

#[derive(Clone, Debug)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub fill: &'static str,
    pub stroke: Option<&'static str>,
    pub rx: f64,
    /// The step a band belongs to, for the HTML viewer (`data-step`).
    pub step: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Line {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    pub stroke: &'static str,
    pub width: f64,
    pub dashed: bool,
    /// Draw an arrowhead at (x2, y2).
    pub arrow: bool,
}

impl Line {
    /// A solid line 1.5 pixels wide, without an arrowhead.
    pub fn new(from: (f64, f64), to: (f64, f64), stroke: &'static str) -> Line {
        Line {
            x1: from.0,
            y1: from.1,
            x2: to.0,
            y2: to.1,
            stroke,
            width: 1.5,
            dashed: false,
            arrow: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Clone, Debug)]
pub struct Text {
    pub x: f64,
    /// The baseline of the first line.
    pub y: f64,
    pub lines: Vec<String>,
    pub anchor: Anchor,
    pub size: f64,
    pub fill: &'static str,
    pub bold: bool,
    /// Sans-serif (headings) rather than monospace.
    pub sans: bool,
    /// A white outline behind the glyphs, so text stays readable over
    /// lines.
    pub halo: bool,
    /// A tooltip: the full text when the shown text is shortened.
    pub title: Option<String>,
    /// Draw the first line bold in this colour (a note's title).
    pub heading: Option<&'static str>,
}

impl Text {
    /// Monospace text of the given size and colour.
    pub fn mono(x: f64, y: f64, lines: Vec<String>, size: f64, fill: &'static str) -> Text {
        Text {
            x,
            y,
            lines,
            anchor: Anchor::Start,
            size,
            fill,
            bold: false,
            sans: false,
            halo: false,
            title: None,
            heading: None,
        }
    }
}

/// The colours arrows and their labels take, one per sender.
pub const PALETTE: [&str; 8] = [
    "#1d4ed8", "#047857", "#7c3aed", "#b45309", "#0e7490", "#be185d", "#4d7c0f", "#9f1239",
];
pub const RED: &str = "#dc2626";
pub const GREEN: &str = "#15803d";
pub const AMBER: &str = "#b45309";
pub const GREY: &str = "#64748b";
pub const INK: &str = "#0f172a";

/// Every colour an arrowhead can take; each gets a marker.
const MARKER_COLOURS: [&str; 12] = [
    PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[4], PALETTE[5], PALETTE[6], PALETTE[7],
    RED, GREEN, GREY, INK,
];

const MONO: &str = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace";
const SANS: &str = "DejaVu Sans, Helvetica, Arial, Liberation Sans, sans-serif";

/// The drawing as a standalone SVG document.
pub fn to_svg(d: &Drawing, title: &str) -> String {
    let mut out = String::new();
    let (w, h) = (d.width.ceil(), d.height.ceil());
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{MONO}">"#
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    out.push_str("<defs>\n");
    for (n, colour) in MARKER_COLOURS.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<marker id="arrow{n}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="{colour}"/></marker>"#
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(out, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    for shape in &d.shapes {
        shape_svg(shape, &mut out);
    }
    out.push_str("</svg>\n");
    out
}

fn marker(colour: &str) -> usize {
    MARKER_COLOURS
        .iter()
        .position(|c| *c == colour)
        .unwrap_or(MARKER_COLOURS.len() - 1)
}

/// Coordinates with at most one decimal, so snapshots do not churn on
/// rounding noise.
fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn shape_svg(shape: &Shape, out: &mut String) {
    match shape {
        Shape::Rect(r) => {
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}""#,
                n(r.x),
                n(r.y),
                n(r.w),
                n(r.h),
                r.fill
            );
            if r.rx > 0.0 {
                let _ = write!(out, r#" rx="{}""#, n(r.rx));
            }
            if let Some(s) = r.stroke {
                let _ = write!(out, r#" stroke="{s}""#);
            }
            if let Some(step) = r.step {
                let _ = write!(out, r#" class="band" data-step="{step}""#);
            }
            out.push_str("/>\n");
        }
        Shape::Line(l) => {
            let _ = write!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}""#,
                n(l.x1),
                n(l.y1),
                n(l.x2),
                n(l.y2),
                l.stroke,
                n(l.width)
            );
            if l.dashed {
                out.push_str(r#" stroke-dasharray="6 4""#);
            }
            if l.arrow {
                let _ = write!(out, r#" marker-end="url(#arrow{})""#, marker(l.stroke));
            }
            out.push_str("/>\n");
        }
        Shape::Path {
            points,
            stroke,
            dashed,
        } => {
            let pts: Vec<String> = points
                .iter()
                .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
                .collect();
            let _ = write!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="1.5""#,
                pts.join(" ")
            );
            if *dashed {
                out.push_str(r#" stroke-dasharray="6 4""#);
            }
            let _ = writeln!(out, r#" marker-end="url(#arrow{})"/>"#, marker(stroke));
        }
        Shape::Cross { x, y, r, stroke } => {
            let _ = writeln!(
                out,
                r#"<path d="M{},{} L{},{} M{},{} L{},{}" stroke="{stroke}" stroke-width="3" stroke-linecap="round"/>"#,
                n(x - r),
                n(y - r),
                n(x + r),
                n(y + r),
                n(x - r),
                n(y + r),
                n(x + r),
                n(y - r)
            );
        }
        Shape::Dot { x, y, r, fill } => {
            let _ = writeln!(
                out,
                r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}"/>"#,
                n(*x),
                n(*y),
                n(*r)
            );
        }
        Shape::Text(t) => text_svg(t, out),
    }
}

fn text_svg(t: &Text, out: &mut String) {
    let anchor = match t.anchor {
        Anchor::Start => "start",
        Anchor::Middle => "middle",
        Anchor::End => "end",
    };
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="{}" fill="{}""#,
        n(t.x),
        n(t.y),
        n(t.size),
        t.fill
    );
    if t.anchor != Anchor::Start {
        let _ = write!(out, r#" text-anchor="{anchor}""#);
    }
    if t.bold {
        out.push_str(r#" font-weight="bold""#);
    }
    if t.sans {
        let _ = write!(out, r#" font-family="{SANS}""#);
    }
    if t.halo {
        out.push_str(
            r#" stroke="white" stroke-width="4" stroke-linejoin="round" paint-order="stroke""#,
        );
    }
    // Spaces are significant in monospace text (indented continuations).
    out.push_str(r#" xml:space="preserve">"#);
    if let Some(title) = &t.title {
        let _ = write!(out, "<title>{}</title>", escape(title));
    }
    let step = t.size * 1.25;
    for (i, line) in t.lines.iter().enumerate() {
        if i == 0 {
            match t.heading {
                Some(fill) => {
                    let _ = write!(
                        out,
                        r#"<tspan font-weight="bold" fill="{fill}">{}</tspan>"#,
                        escape(line)
                    );
                }
                None => {
                    let _ = write!(out, "<tspan>{}</tspan>", escape(line));
                }
            }
        } else {
            let _ = write!(
                out,
                r#"<tspan x="{}" dy="{}">{}</tspan>"#,
                n(t.x),
                n(step),
                escape(line)
            );
        }
    }
    out.push_str("</text>\n");
}

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;?");
    }

    #[test]
    fn rounds_coordinates_to_one_decimal() {
        assert_eq!(n(3.0), "3");
        assert_eq!(n(12.34), "12.3");
        assert_eq!(n(-0.04), "0");
    }
}
