//! Random draws with netem's meaning: the correlated uniform (`get_crandom` in `sch_netem.c`), the
//! delay distributions (iproute2's `normal.c`, `pareto.c`, `paretonormal.c` tables, evaluated here
//! as analytic quantile functions), and the loss models' state machines (`loss_gilb_ell`,
//! `loss_4state`).

use super::config::{Chance, Distribution, LossModel};
use crate::model::rng::Rng;

/// netem's tables hold `t * 8192` in an `i16`, so the standardised variate lies in this range.
const TABLE_MIN: f64 = -32768.0 / 8192.0;
const TABLE_MAX: f64 = 32767.0 / 8192.0;

/// netem's correlated uniform (`get_crandom`): `next = (1 - rho) * u + rho * last`. Like netem's,
/// it is an approximation: correlation narrows the spread of the draws.
#[derive(Debug, Clone)]
pub(crate) struct Crandom {
    rho: f64,
    last: f64,
}

impl Crandom {
    pub(crate) fn new(rho: f64, rng: &mut Rng) -> Crandom {
        let last = if rho > 0.0 { rng.next_f64() } else { 0.0 };
        Crandom { rho, last }
    }

    /// Next value in [0, 1).
    pub(crate) fn next(&mut self, rng: &mut Rng) -> f64 {
        let u = rng.next_f64();
        if self.rho == 0.0 {
            return u;
        }
        let v = (1.0 - self.rho) * u + self.rho * self.last;
        self.last = v;
        v
    }
}

/// A netem probability check with its correlation state (`q->x && q->x >= get_crandom(...)`).
#[derive(Debug, Clone)]
pub(crate) struct Event {
    p: f64,
    rnd: Crandom,
}

impl Event {
    pub(crate) fn new(chance: Chance, rng: &mut Rng) -> Event {
        Event {
            p: chance.p,
            rnd: Crandom::new(chance.correlation, rng),
        }
    }

    /// Draws only when the probability is non-zero, like netem.
    pub(crate) fn happens(&mut self, rng: &mut Rng) -> bool {
        self.p > 0.0 && self.rnd.next(rng) < self.p
    }
}

/// Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.02425;
    let p = p.clamp(1e-300, 1.0 - f64::EPSILON);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - P_LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// iproute2 `pareto.c`: shape 3, shifted by the mean 1.5 and scaled by 4/3.
fn pareto_quantile(p: f64) -> f64 {
    let tail = (1.0 - p).max(f64::MIN_POSITIVE);
    (tail.powf(-1.0 / 3.0) - 1.5) * 4.0 / 3.0
}

impl Distribution {
    /// The standardised variate `t` at quantile `p` in [0, 1); the delay is `delay + jitter * t`.
    /// Clipped to the range of netem's 16-bit tables (about ±4).
    pub fn quantile(self, p: f64) -> f64 {
        let t = match self {
            Distribution::Uniform => 2.0 * p - 1.0,
            Distribution::Normal => normal_quantile(p),
            Distribution::Pareto => pareto_quantile(p),
            Distribution::ParetoNormal => {
                (normal_quantile(p) + 3.0 * pareto_quantile(p).min(TABLE_MAX)) / 4.0
            }
        };
        t.clamp(TABLE_MIN, TABLE_MAX)
    }
}

/// Run-time state of the loss model.
#[derive(Debug, Clone)]
pub(crate) enum LossState {
    None,
    Random(Event),
    /// `bad` is netem's `BAD_STATE`.
    GilbertElliott {
        bad: bool,
    },
    /// netem's 4-state chain; see [`FourState`].
    FourState(FourState),
}

/// States of `loss_4state` in `sch_netem.c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FourState {
    TxInGap,
    TxInBurst,
    LostInBurst,
    LostInGap,
}

impl LossState {
    pub(crate) fn new(model: &LossModel, rng: &mut Rng) -> LossState {
        match model {
            LossModel::None => LossState::None,
            LossModel::Random(chance) => LossState::Random(Event::new(*chance, rng)),
            LossModel::GilbertElliott { .. } => LossState::GilbertElliott { bad: false },
            LossModel::FourState { .. } => LossState::FourState(FourState::TxInGap),
        }
    }

    /// netem's `loss_event`: whether the next packet is lost.
    pub(crate) fn lose(&mut self, model: &LossModel, rng: &mut Rng) -> bool {
        match (self, model) {
            (LossState::Random(event), _) => event.happens(rng),
            (
                LossState::GilbertElliott { bad },
                LossModel::GilbertElliott {
                    p,
                    r,
                    one_minus_h,
                    one_minus_k,
                },
            ) => {
                // loss_gilb_ell: change state, then lose with the old state's probability.
                if *bad {
                    if rng.next_f64() < *r {
                        *bad = false;
                    }
                    rng.next_f64() < *one_minus_h
                } else {
                    if rng.next_f64() < *p {
                        *bad = true;
                    }
                    rng.next_f64() < *one_minus_k
                }
            }
            (LossState::FourState(state), LossModel::FourState { .. }) => {
                four_state_step(state, model, rng.next_f64())
            }
            _ => false,
        }
    }
}

/// One step of `loss_4state`: a single uniform picks the transition; entering (or staying in) a
/// lost state loses the packet.
fn four_state_step(state: &mut FourState, model: &LossModel, rnd: f64) -> bool {
    let LossModel::FourState {
        p13,
        p31,
        p32,
        p23,
        p14,
    } = *model
    else {
        return false;
    };
    match *state {
        FourState::TxInGap => {
            if rnd < p14 {
                *state = FourState::LostInGap;
                true
            } else if rnd < p14 + p13 {
                *state = FourState::LostInBurst;
                true
            } else {
                false
            }
        }
        FourState::TxInBurst => {
            if rnd < p23 {
                *state = FourState::LostInBurst;
                true
            } else {
                false
            }
        }
        FourState::LostInBurst => {
            if rnd < p32 {
                *state = FourState::TxInBurst;
                false
            } else if rnd < p32 + p31 {
                *state = FourState::TxInGap;
                false
            } else {
                true
            }
        }
        FourState::LostInGap => {
            *state = FourState::TxInGap;
            false
        }
    }
}
