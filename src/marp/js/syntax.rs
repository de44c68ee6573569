//! Syntax tree of the expressions deck reads.

use super::JsError;
use super::values::Val;
use std::ops::Range;

/// A byte span (a `Copy` stand-in for `Range<usize>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Sp {
    /// First byte.
    pub(super) s: usize,
    /// Byte after the last.
    pub(super) e: usize,
}

impl Sp {
    /// The span as a range.
    pub(super) fn range(self) -> Range<usize> {
        self.s..self.e.max(self.s)
    }
}

/// A value deck could not read, with where it sits below the key it belongs to.
#[derive(Debug, Clone)]
pub(super) struct Unread {
    /// Path below the key (array indexes), empty for the key itself.
    pub(super) path: Vec<String>,
    /// Byte span of the value.
    pub(super) sp: Sp,
    /// Why, in words.
    pub(super) why: String,
    /// Whether it is a function (the config itself being one gets its own message).
    pub(super) func: bool,
}

impl Unread {
    /// A value deck cannot read at `sp`.
    pub(super) fn new(sp: Sp, why: impl Into<String>) -> Self {
        Unread {
            path: Vec::new(),
            sp,
            why: why.into(),
            func: false,
        }
    }

    /// A function at `sp`.
    pub(super) fn func(sp: Sp, why: impl Into<String>) -> Self {
        Unread {
            func: true,
            ..Unread::new(sp, why)
        }
    }
}

/// Why evaluating a value failed: a value deck cannot read, or a real error.
#[derive(Debug)]
pub(super) enum Fail {
    /// The value is computed; its key goes to `unreadable`.
    Soft(Box<Unread>),
    /// The file cannot be read at all.
    Hard(Box<JsError>),
}

impl From<JsError> for Fail {
    fn from(e: JsError) -> Self {
        Fail::Hard(Box::new(e))
    }
}

/// The result of evaluating a value.
pub(super) type Res<T> = Result<T, Fail>;

/// A soft failure at `sp`.
pub(super) fn soft(sp: Sp, why: impl Into<String>) -> Fail {
    Fail::Soft(Box::new(Unread::new(sp, why)))
}

/// An expression, as far as deck understands it.
#[derive(Debug)]
pub(super) enum Expr {
    /// `null`, `true`, a number or a string.
    Lit(Val, Sp),
    /// A template literal with substitutions: text pieces (`None`: invalid escape) around exprs.
    Tpl {
        /// The text pieces, one more than `exprs`.
        quasis: Vec<Option<String>>,
        /// The `${...}` expressions.
        exprs: Vec<Expr>,
        /// The whole template.
        sp: Sp,
    },
    /// `[...]`.
    Arr(Vec<Item>, Sp),
    /// `{...}`.
    Obj(Vec<Prop>, Sp),
    /// An identifier, by token index.
    Ident(usize, Sp),
    /// `import.meta`.
    Meta(Sp),
    /// Member accesses and calls after a base: `path.join(a, b)`, `process.env.X`.
    Chain {
        /// What the chain starts from.
        base: Box<Expr>,
        /// Each step, with the byte offset where it ends.
        ops: Vec<(Op, usize)>,
        /// The whole chain.
        sp: Sp,
    },
    /// `new Callee(args)`.
    New(Box<Expr>, Vec<Arg>, Sp),
    /// `a + b + c`.
    Concat(Vec<Expr>, Sp),
    /// Unary `-` (true) or `+` (false).
    Neg(bool, Box<Expr>, Sp),
    /// Anything else: a function, a regex, a conditional, ...
    Opaque(Box<Unread>),
}

impl Expr {
    /// The span of the whole expression.
    pub(super) fn sp(&self) -> Sp {
        match self {
            Expr::Lit(_, sp)
            | Expr::Tpl { sp, .. }
            | Expr::Arr(_, sp)
            | Expr::Obj(_, sp)
            | Expr::Ident(_, sp)
            | Expr::Meta(sp)
            | Expr::Chain { sp, .. }
            | Expr::New(_, _, sp)
            | Expr::Concat(_, sp)
            | Expr::Neg(_, _, sp) => *sp,
            Expr::Opaque(u) => u.sp,
        }
    }
}

/// One step of a member chain.
#[derive(Debug)]
pub(super) enum Op {
    /// `.name`.
    Prop(String),
    /// `[expr]`.
    Index(Expr),
    /// `(args)`.
    Call(Vec<Arg>),
}

/// An argument of a call.
#[derive(Debug)]
pub(super) struct Arg {
    /// Whether it is `...expr`.
    pub(super) spread: bool,
    /// The argument.
    pub(super) expr: Expr,
}

/// An element of an array literal.
#[derive(Debug)]
pub(super) enum Item {
    /// A hole (`[a, , b]`).
    Hole(Sp),
    /// A value.
    One(Expr),
    /// `...expr`.
    Spread(Expr, Sp),
}

/// A property of an object literal.
#[derive(Debug)]
pub(super) enum Prop {
    /// `key: value`, or a method/getter (with an opaque value).
    Pair {
        /// The key.
        key: Key,
        /// Span of the key.
        key_sp: Sp,
        /// The value.
        value: Expr,
    },
    /// `{ name }`, by token index.
    Short(usize, Sp),
    /// `...expr`.
    Spread(Expr, Sp),
}

/// The key of a property.
#[derive(Debug)]
pub(super) enum Key {
    /// A plain key.
    Name(String),
    /// `[expr]`.
    Computed(Expr),
}
