/* Reference loops for benchmarks/bench_engine.py: Adam on Rosenbrock in plain C.
 *
 * Built by the benchmark with `gcc -O3 -ffp-contract=off -shared -fPIC` (no -ffast-math: the
 * divergence check needs inf and nan) and loaded with ctypes.  Every variant does, per step, the
 * work of optviz's Adam kernel (optviz/optimizers/adam.py) with torch's defaults:
 *
 *     gradient at (x, y); m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 *     bias correction 1 - b^t; x -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps);
 *     loss at the new (x, y); stop if |x|, |y| > bound or the loss is not finite;
 *     store the iterate and its loss.
 *
 * and returns the number of steps done (-1 if the start itself is out of bounds).  The variants:
 *
 *   adam_c            the reference: beta^t kept as a running product, frozen once 1 - beta^t
 *                     has rounded to 1 (as optviz.kernels.bias_power does).
 *   adam_c_pow        pow(beta, t) every step: libm's slow path once beta^t underflows.
 *   adam_c_product    running product never frozen: it gets stuck on the smallest subnormal
 *                     (x * 0.9 rounds back to x), so every later step multiplies subnormals.
 *   adam_c_full       the reference plus everything else optviz's kernel does on every step:
 *                     the noise test, the gradient-norm clip (a sqrt), the learning-rate schedule
 *                     factor, and the cumulative-evaluation counts and optimizer state stored
 *                     beside each iterate.  The fair floor for optviz's kernel.
 *   adam_c_indirect   the reference with the surface's value and gradient called through
 *                     function pointers the compiler cannot see through (as optviz's kernels
 *                     call a surface through numba.types.FunctionType).
 *
 * adam_c, adam_c_full and adam_c_indirect give bit-identical iterates (the schedule factor is 1,
 * the clip infinite); adam_c_pow and adam_c_product round beta^t differently in the last bits.
 */
#include <math.h>
#include <stdint.h>

enum { BIAS_FROZEN = 0, BIAS_POW = 1, BIAS_PRODUCT = 2 };

typedef double (*value_fn)(double x, double y, const double *p);
typedef void (*gradient_fn)(double x, double y, const double *p, double *gx, double *gy);

static inline double rosenbrock_value(double x, double y, const double *p) {
    (void)p;
    double a = 1.0 - x, b = y - x * x;
    return a * a + 100.0 * b * b;
}

static inline void rosenbrock_gradient(double x, double y, const double *p, double *gx, double *gy) {
    (void)p;
    *gx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
    *gy = 200.0 * (y - x * x);
}

/* Out-of-line copies for the indirect variant, reached through volatile pointers. */
__attribute__((noinline)) double rosenbrock_value_ext(double x, double y, const double *p) {
    return rosenbrock_value(x, y, p);
}
__attribute__((noinline)) void rosenbrock_gradient_ext(double x, double y, const double *p, double *gx, double *gy) {
    rosenbrock_gradient(x, y, p, gx, gy);
}
value_fn volatile VALUE_PTR = rosenbrock_value_ext;
gradient_fn volatile GRADIENT_PTR = rosenbrock_gradient_ext;

static inline int escaped(double x, double y, double f, double bound) {
    return !(fabs(x) <= bound && fabs(y) <= bound && isfinite(f));
}

/* Learning-rate factor for schedule `kind` (0 = constant); the others are never taken here but
 * keep the branch the kernel has. */
static inline double lr_factor(double kind, double a, double b, int64_t t) {
    if (kind == 0.0) return 1.0;
    if (kind == 1.0) return pow(b, floor((double)t / a));
    return 1.0 / (1.0 + a * (double)t);
}

static inline __attribute__((always_inline)) int64_t adam_body(
        double x, double y, int64_t steps, double lr, double beta1, double beta2, double eps,
        double bound, double *xy, double *loss, const int bias, const int full, const int indirect,
        double sigma, double clip, double kind, int64_t *counts, double *state) {
    value_fn value = indirect ? VALUE_PTR : rosenbrock_value;
    gradient_fn gradient = indirect ? GRADIENT_PTR : rosenbrock_gradient;
    const double *p = 0;
    double mx = 0.0, my = 0.0, vx = 0.0, vy = 0.0, b1t = 1.0, b2t = 1.0;
    double f = value(x, y, p);
    if (escaped(x, y, f, bound)) return -1;
    xy[0] = x; xy[1] = y; loss[0] = f;
    if (full) {
        counts[0] = counts[1] = counts[2] = 0;
        state[0] = state[1] = state[2] = state[3] = 0.0;
    }
    for (int64_t t = 1; t <= steps; t++) {
        double gx, gy, eta = lr;
        gradient(x, y, p, &gx, &gy);
        if (full) {
            if (sigma > 0.0) { gx += sigma; gy += sigma; }   /* never taken: sigma = 0 */
            double norm = sqrt(gx * gx + gy * gy);
            if (norm > clip) { gx *= clip / norm; gy *= clip / norm; }
            eta = lr * lr_factor(kind, 0.0, 0.0, t - 1);
        }
        mx = beta1 * mx + (1.0 - beta1) * gx;
        my = beta1 * my + (1.0 - beta1) * gy;
        vx = beta2 * vx + (1.0 - beta2) * gx * gx;
        vy = beta2 * vy + (1.0 - beta2) * gy * gy;
        if (bias == BIAS_POW) {
            b1t = pow(beta1, (double)t);
            b2t = pow(beta2, (double)t);
        } else if (bias == BIAS_PRODUCT) {
            b1t *= beta1;
            b2t *= beta2;
        } else {
            if (1.0 - b1t != 1.0) b1t *= beta1;
            if (1.0 - b2t != 1.0) b2t *= beta2;
        }
        double step_size = eta / (1.0 - b1t);
        double bc2_sqrt = sqrt(1.0 - b2t);
        x -= step_size * mx / (sqrt(vx) / bc2_sqrt + eps);
        y -= step_size * my / (sqrt(vy) / bc2_sqrt + eps);
        f = value(x, y, p);
        if (escaped(x, y, f, bound)) return t - 1;
        xy[2 * t] = x; xy[2 * t + 1] = y; loss[t] = f;
        if (full) {
            counts[3 * t] = 0; counts[3 * t + 1] = t; counts[3 * t + 2] = 0;
            state[4 * t] = mx; state[4 * t + 1] = my; state[4 * t + 2] = vx; state[4 * t + 3] = vy;
        }
    }
    return steps;
}

#define ADAM_ARGS double x, double y, int64_t steps, double lr, double beta1, double beta2, \
                  double eps, double bound, double *xy, double *loss
#define ADAM_PASS x, y, steps, lr, beta1, beta2, eps, bound, xy, loss

int64_t adam_c(ADAM_ARGS) {
    return adam_body(ADAM_PASS, BIAS_FROZEN, 0, 0, 0.0, INFINITY, 0.0, 0, 0);
}

int64_t adam_c_pow(ADAM_ARGS) {
    return adam_body(ADAM_PASS, BIAS_POW, 0, 0, 0.0, INFINITY, 0.0, 0, 0);
}

int64_t adam_c_product(ADAM_ARGS) {
    return adam_body(ADAM_PASS, BIAS_PRODUCT, 0, 0, 0.0, INFINITY, 0.0, 0, 0);
}

int64_t adam_c_indirect(ADAM_ARGS) {
    return adam_body(ADAM_PASS, BIAS_FROZEN, 0, 1, 0.0, INFINITY, 0.0, 0, 0);
}

int64_t adam_c_full(ADAM_ARGS, double sigma, double clip, double kind, int64_t *counts, double *state) {
    return adam_body(ADAM_PASS, BIAS_FROZEN, 1, 0, sigma, clip, kind, counts, state);
}
