/* Reference loops for benchmarks/bench_grid.py: many runs at once, in plain C with OpenMP.
 *
 * Built by the benchmark with `gcc -O3 -march=native -fopenmp -ffp-contract=off -fno-math-errno
 * -shared -fPIC` and loaded with ctypes.  No -ffast-math: the divergence check needs inf and nan,
 * and every cell must round as optviz does.  -ffp-contract=off keeps a * b + c two roundings, as
 * Numba compiles it; -fno-math-errno changes no value, it only lets gcc use the square-root
 * instruction without a libm fallback that sets errno (that call blocks vectorisation of the
 * blocked loops).  Two grids, each in three forms:
 *
 *   adam_sweep_*    Adam (torch's form, as optviz/optimizers/adam.py `update` computes it, eps
 *                   outside the square root, amsgrad off, bias correction on) on Rosenbrock from
 *                   one start, one cell per hyperparameter setting (lr, beta1, beta2, eps,
 *                   weight_decay given per cell).
 *   gd_basins_*     fixed-step gradient descent (optviz/optimizers/gd.py `update`) on Himmelblau,
 *                   one cell per start, the same lr everywhere.
 *
 *   *_blocked       cells in blocks of BLOCK runs; the steps are the outer loop and the runs of a
 *                   block the inner one, so gcc vectorises each operation across the runs of a
 *                   block (the state of a block lives in small arrays; a run that has diverged is
 *                   kept where it was by selects, not branches).  OpenMP shares the blocks.
 *   *_obvious       one run per iteration: the outer loop over cells, the steps inside it, a
 *                   `break` at divergence.  OpenMP shares the cells.
 *   *_blocked_full  the blocked loop plus the other per-cell figure optviz's grid reports, streamed
 *                   step by step: a sweep's first step with f - f* <= tol (Sweep.steps_to_tol), a
 *                   basin map's step from which a run stayed within the radius of the minimum it
 *                   reached (Basins.steps).
 *
 * Per step each cell does exactly what optviz's kernel does for it, in the same order of
 * operations, so the results are bit-identical to optviz.simulate / optviz.sweep:
 *
 *   gradient at (x, y); g += weight_decay * (x, y)     (weight_decay = 0 here, kept for the bits)
 *   Adam:  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g;
 *          b^t advanced as a running product, frozen once 1 - b^t rounds to 1
 *          (optviz.kernels.bias_power);  x -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *   GD:    x -= lr * g
 *   loss at the new point; the run stops (diverged) when |x| or |y| > bound or the loss is not
 *   finite, keeping its last good iterate and loss (as optviz's final_xy / final_loss do).
 *
 * Outputs per cell: the final point, its loss and the steps done (done < steps: diverged;
 * done = 0 with a bad start: diverged at once); for a basin map also the index of the minimum
 * reached, as optviz.grid._cells finds it (-1 none, -2 diverged).  The learning-rate factor of
 * a constant schedule is exactly 1 (lr * 1.0 == lr), so it is left out.
 *
 * Surfaces: the order of operations of surfaces/rosenbrock.py and surfaces/himmelblau.py, e.g.
 * Rosenbrock's value is (1 - x)^2 + 100 (y - x^2)^2 = a*a + 100*(b*b) (Numba turns `b ** 2` into
 * b*b), which is not always (100*b)*b in the last bit.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>

#ifndef BLOCK
#define BLOCK 32
#endif

/* ---- surfaces ------------------------------------------------------------------------------ */
static inline double rosenbrock_value(double x, double y) {
    double a = 1.0 - x, b = y - x * x;
    return a * a + 100.0 * (b * b);
}

static inline double rosenbrock_gx(double x, double y) {
    return -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
}

static inline double rosenbrock_gy(double x, double y) {
    return 200.0 * (y - x * x);
}

static inline double himmelblau_value(double x, double y) {
    double a = x * x + y - 11.0, b = x + y * y - 7.0;
    return a * a + b * b;
}

static inline double himmelblau_gx(double x, double y) {
    double a = x * x + y - 11.0, b = x + y * y - 7.0;
    return 4.0 * a * x + 2.0 * b;
}

static inline double himmelblau_gy(double x, double y) {
    double a = x * x + y - 11.0, b = x + y * y - 7.0;
    return 2.0 * a + 4.0 * b * y;
}

/* optviz.kernels.escaped, negated: |x|, |y| within the bound and f finite (fabs(nan) <= anything
 * is false; fabs(f) <= DBL_MAX is isfinite(f), written so that gcc vectorises it). */
static inline int inside(double x, double y, double f, double bound) {
    return fabs(x) <= bound && fabs(y) <= bound && fabs(f) <= DBL_MAX;
}

/* optviz.kernels.bias_power */
static inline double bias_power(double power, double beta) {
    return 1.0 - power == 1.0 ? power : power * beta;
}

/* ---- Adam sweep ---------------------------------------------------------------------------- */
void adam_sweep_obvious(int64_t n, const double *lr, const double *beta1, const double *beta2, const double *eps,
                        const double *wd, double x0, double y0, int64_t steps, double bound, int threads,
                        double *final_xy, double *final_loss, int64_t *done) {
    #pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
    for (int64_t i = 0; i < n; i++) {
        const double eta = lr[i], b1 = beta1[i], b2 = beta2[i], e = eps[i], w = wd[i];
        double x = x0, y = y0, f = rosenbrock_value(x, y);
        double mx = 0.0, my = 0.0, vx = 0.0, vy = 0.0, b1t = 1.0, b2t = 1.0;
        int64_t t = 0;
        if (inside(x, y, f, bound)) {
            for (t = 1; t <= steps; t++) {
                double gx = rosenbrock_gx(x, y), gy = rosenbrock_gy(x, y);
                gx += w * x;
                gy += w * y;
                mx = b1 * mx + (1.0 - b1) * gx;
                my = b1 * my + (1.0 - b1) * gy;
                vx = b2 * vx + (1.0 - b2) * gx * gx;
                vy = b2 * vy + (1.0 - b2) * gy * gy;
                b1t = bias_power(b1t, b1);
                b2t = bias_power(b2t, b2);
                double step_size = eta / (1.0 - b1t);
                double bc2_sqrt = sqrt(1.0 - b2t);
                double xn = x - step_size * mx / (sqrt(vx) / bc2_sqrt + e);
                double yn = y - step_size * my / (sqrt(vy) / bc2_sqrt + e);
                double fn = rosenbrock_value(xn, yn);
                if (!inside(xn, yn, fn, bound)) break;
                x = xn; y = yn; f = fn;
            }
            t -= 1;
        }
        final_xy[2 * i] = x; final_xy[2 * i + 1] = y; final_loss[i] = f; done[i] = t;
    }
}

/* The blocked sweep; with `full`, also each cell's first step with f - f_star <= tol (-1 if
 * none), streamed as optviz's Sweep.steps_to_tol reports it (optviz scans the stored losses). */
static inline __attribute__((always_inline)) void adam_block(
        int64_t blk, int64_t n, const double *lr, const double *beta1, const double *beta2, const double *eps,
        const double *wd, double x0, double y0, int64_t steps, double bound, int threads, double *final_xy,
        double *final_loss, int64_t *done, const int full, double f_star, double tol, int64_t *to_tol) {
    (void)threads;   /* in the argument list for SWEEP_PASS; the caller's OpenMP loop uses it */
    {   /* block `blk`: cells lo .. lo + m - 1 */
        const int64_t lo = blk * BLOCK;
        const int64_t m = n - lo < BLOCK ? n - lo : BLOCK;
        double eta[BLOCK], b1[BLOCK], b2[BLOCK], e[BLOCK], w[BLOCK];
        double x[BLOCK], y[BLOCK], f[BLOCK], mx[BLOCK], my[BLOCK], vx[BLOCK], vy[BLOCK], b1t[BLOCK], b2t[BLOCK];
        int64_t alive[BLOCK], last[BLOCK], first_tol[BLOCK];
        const double f0 = rosenbrock_value(x0, y0);
        for (int k = 0; k < BLOCK; k++) {
            int64_t c = lo + (k < m ? k : 0);   /* a short last block repeats its first cell */
            eta[k] = lr[c]; b1[k] = beta1[c]; b2[k] = beta2[c]; e[k] = eps[c]; w[k] = wd[c];
            x[k] = x0; y[k] = y0; f[k] = f0;
            mx[k] = my[k] = vx[k] = vy[k] = 0.0;
            b1t[k] = b2t[k] = 1.0;
            alive[k] = inside(x0, y0, f0, bound);
            last[k] = 0;
            first_tol[k] = alive[k] && f0 - f_star <= tol ? 0 : -1;
        }
        for (int64_t t = 1; t <= steps; t++) {
            int64_t any = 0;
            #pragma omp simd reduction(|:any)
            for (int k = 0; k < BLOCK; k++) {
                double gx = rosenbrock_gx(x[k], y[k]), gy = rosenbrock_gy(x[k], y[k]);
                gx += w[k] * x[k];
                gy += w[k] * y[k];
                double nmx = b1[k] * mx[k] + (1.0 - b1[k]) * gx;
                double nmy = b1[k] * my[k] + (1.0 - b1[k]) * gy;
                double nvx = b2[k] * vx[k] + (1.0 - b2[k]) * gx * gx;
                double nvy = b2[k] * vy[k] + (1.0 - b2[k]) * gy * gy;
                double nb1t = bias_power(b1t[k], b1[k]);
                double nb2t = bias_power(b2t[k], b2[k]);
                double step_size = eta[k] / (1.0 - nb1t);
                double bc2_sqrt = sqrt(1.0 - nb2t);
                double xn = x[k] - step_size * nmx / (sqrt(nvx) / bc2_sqrt + e[k]);
                double yn = y[k] - step_size * nmy / (sqrt(nvy) / bc2_sqrt + e[k]);
                double fn = rosenbrock_value(xn, yn);
                int64_t ok = alive[k] & inside(xn, yn, fn, bound);
                /* a diverged run keeps its last good state (selects, so the loop stays vectorised) */
                x[k] = ok ? xn : x[k];
                y[k] = ok ? yn : y[k];
                f[k] = ok ? fn : f[k];
                mx[k] = ok ? nmx : mx[k];
                my[k] = ok ? nmy : my[k];
                vx[k] = ok ? nvx : vx[k];
                vy[k] = ok ? nvy : vy[k];
                b1t[k] = ok ? nb1t : b1t[k];
                b2t[k] = ok ? nb2t : b2t[k];
                last[k] = ok ? t : last[k];
                if (full) first_tol[k] = ok && first_tol[k] < 0 && fn - f_star <= tol ? t : first_tol[k];
                alive[k] = ok;
                any |= ok;
            }
            if (!any) break;   /* every run of the block has diverged */
        }
        for (int k = 0; k < m; k++) {
            final_xy[2 * (lo + k)] = x[k]; final_xy[2 * (lo + k) + 1] = y[k];
            final_loss[lo + k] = f[k]; done[lo + k] = last[k];
            if (full) to_tol[lo + k] = first_tol[k];
        }
    }
}

#define SWEEP_ARGS int64_t n, const double *lr, const double *beta1, const double *beta2, const double *eps, \
                   const double *wd, double x0, double y0, int64_t steps, double bound, int threads, \
                   double *final_xy, double *final_loss, int64_t *done
#define SWEEP_PASS n, lr, beta1, beta2, eps, wd, x0, y0, steps, bound, threads, final_xy, final_loss, done

/* OpenMP's loop is in each exported function, so that adam_block is inlined into each outlined
 * parallel body with `full` a constant (one specialised, vectorised loop each). */
void adam_sweep_blocked(SWEEP_ARGS) {
    const int64_t blocks = (n + BLOCK - 1) / BLOCK;
    #pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t blk = 0; blk < blocks; blk++) adam_block(blk, SWEEP_PASS, 0, 0.0, 0.0, 0);
}

void adam_sweep_blocked_full(SWEEP_ARGS, double f_star, double tol, int64_t *to_tol) {
    const int64_t blocks = (n + BLOCK - 1) / BLOCK;
    #pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t blk = 0; blk < blocks; blk++) adam_block(blk, SWEEP_PASS, 1, f_star, tol, to_tol);
}

/* ---- GD basins ----------------------------------------------------------------------------- */

/* optviz.grid._cells' minimum: the nearest of the minima (the first on a tie) if within radius,
 * -1 (NONE) otherwise, -2 (DIVERGES) for a run that diverged. */
static void classify(int64_t n, const double *final_xy, const int64_t *done, int64_t steps, const double *minima,
                     int64_t n_minima, double radius, int64_t *minimum) {
    for (int64_t i = 0; i < n; i++) {
        if (done[i] < steps) { minimum[i] = -2; continue; }
        double best = INFINITY;
        int64_t nearest = -1;
        for (int64_t k = 0; k < n_minima; k++) {
            double dx = final_xy[2 * i] - minima[2 * k], dy = final_xy[2 * i + 1] - minima[2 * k + 1];
            double d = dx * dx + dy * dy;
            if (d < best) { best = d; nearest = k; }
        }
        minimum[i] = best <= radius * radius ? nearest : -1;
    }
}

void gd_basins_obvious(int64_t n, const double *starts, double lr, double wd, int64_t steps, const double *bounds,
                       int threads, const double *minima, int64_t n_minima, double radius,
                       double *final_xy, double *final_loss, int64_t *done, int64_t *minimum) {
    #pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
    for (int64_t i = 0; i < n; i++) {
        double x = starts[2 * i], y = starts[2 * i + 1], f = himmelblau_value(x, y);
        const double bound = bounds[i];
        int64_t t = 0;
        if (inside(x, y, f, bound)) {
            for (t = 1; t <= steps; t++) {
                double gx = himmelblau_gx(x, y), gy = himmelblau_gy(x, y);
                gx += wd * x;
                gy += wd * y;
                double xn = x - lr * gx, yn = y - lr * gy;
                double fn = himmelblau_value(xn, yn);
                if (!inside(xn, yn, fn, bound)) break;
                x = xn; y = yn; f = fn;
            }
            t -= 1;
        }
        final_xy[2 * i] = x; final_xy[2 * i + 1] = y; final_loss[i] = f; done[i] = t;
    }
    classify(n, final_xy, done, steps, minima, n_minima, radius, minimum);
}

/* The blocked basin map; with `full`, also optviz's Basins.steps: for a run that reached a
 * minimum, the first step from which every iterate stayed within the radius of it, streamed as
 * the last step each run was outside the radius of each minimum (optviz walks the stored path
 * back); otherwise the steps done. */
#define MAX_MINIMA 8

static inline __attribute__((always_inline)) void gd_block(
        int64_t blk, int64_t n, const double *starts, double lr, double wd, int64_t steps, const double *bounds,
        int threads, const double *minima, int64_t n_minima, double radius, double *final_xy, double *final_loss,
        int64_t *done, int64_t *minimum, const int full, const int nm, int64_t *settled) {
    (void)threads;   /* in the argument list for BASINS_PASS; the caller's OpenMP loop uses it */
    const double r2 = radius * radius;
    double mxs[MAX_MINIMA], mys[MAX_MINIMA];
    for (int j = 0; j < nm; j++) { mxs[j] = minima[2 * j]; mys[j] = minima[2 * j + 1]; }
    {   /* block `blk`: cells lo .. lo + m - 1 */
        const int64_t lo = blk * BLOCK;
        const int64_t m = n - lo < BLOCK ? n - lo : BLOCK;
        double x[BLOCK], y[BLOCK], f[BLOCK], bound[BLOCK];
        int64_t alive[BLOCK], last[BLOCK], out_at[MAX_MINIMA][BLOCK];
        for (int k = 0; k < BLOCK; k++) {
            int64_t c = lo + (k < m ? k : 0);
            x[k] = starts[2 * c]; y[k] = starts[2 * c + 1]; bound[k] = bounds[c];
            f[k] = himmelblau_value(x[k], y[k]);
            alive[k] = inside(x[k], y[k], f[k], bound[k]);
            last[k] = 0;
            for (int j = 0; j < nm; j++) {
                double dx = x[k] - mxs[j], dy = y[k] - mys[j];
                out_at[j][k] = dx * dx + dy * dy > r2 ? 0 : -1;
            }
        }
        for (int64_t t = 1; t <= steps; t++) {
            int64_t any = 0;
            #pragma omp simd reduction(|:any)
            for (int k = 0; k < BLOCK; k++) {
                double gx = himmelblau_gx(x[k], y[k]), gy = himmelblau_gy(x[k], y[k]);
                gx += wd * x[k];
                gy += wd * y[k];
                double xn = x[k] - lr * gx, yn = y[k] - lr * gy;
                double fn = himmelblau_value(xn, yn);
                int64_t ok = alive[k] & inside(xn, yn, fn, bound[k]);
                x[k] = ok ? xn : x[k];
                y[k] = ok ? yn : y[k];
                f[k] = ok ? fn : f[k];
                last[k] = ok ? t : last[k];
                for (int j = 0; j < nm; j++) {   /* nm is a constant here: unrolled */
                    double dx = xn - mxs[j], dy = yn - mys[j];
                    out_at[j][k] = ok && dx * dx + dy * dy > r2 ? t : out_at[j][k];
                }
                alive[k] = ok;
                any |= ok;
            }
            if (!any) break;
        }
        for (int k = 0; k < m; k++) {
            final_xy[2 * (lo + k)] = x[k]; final_xy[2 * (lo + k) + 1] = y[k];
            final_loss[lo + k] = f[k]; done[lo + k] = last[k];
        }
        if (full) {
            classify(m, final_xy + 2 * lo, done + lo, steps, minima, n_minima, radius, minimum + lo);
            for (int k = 0; k < m; k++) {
                int64_t j = minimum[lo + k];
                settled[lo + k] = j >= 0 && j < nm ? out_at[j][k] + 1 : last[k];
            }
        } else {
            classify(m, final_xy + 2 * lo, done + lo, steps, minima, n_minima, radius, minimum + lo);
        }
    }
}

#define BASINS_ARGS int64_t n, const double *starts, double lr, double wd, int64_t steps, const double *bounds, \
                    int threads, const double *minima, int64_t n_minima, double radius, double *final_xy, \
                    double *final_loss, int64_t *done, int64_t *minimum
#define BASINS_PASS n, starts, lr, wd, steps, bounds, threads, minima, n_minima, radius, final_xy, final_loss, done, \
                    minimum

void gd_basins_blocked(BASINS_ARGS) {
    const int64_t blocks = (n + BLOCK - 1) / BLOCK;
    #pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t blk = 0; blk < blocks; blk++) gd_block(blk, BASINS_PASS, 0, 0, 0);
}

/* One copy of the loop per number of minima (a constant in each, so the loop over the minima is
 * unrolled: with the count known only at run time the streamed test cost 3x more).  Returns -1
 * (and computes nothing) if there are more than MAX_MINIMA minima. */
#define GD_FULL_CASE(K)                                                                   \
    case K: {                                                                             \
        _Pragma("omp parallel for num_threads(threads) schedule(dynamic, 1)")             \
        for (int64_t blk = 0; blk < blocks; blk++) gd_block(blk, BASINS_PASS, 1, K, settled); \
        return 0;                                                                         \
    }

int gd_basins_blocked_full(BASINS_ARGS, int64_t *settled) {
    const int64_t blocks = (n + BLOCK - 1) / BLOCK;
    switch (n_minima) {
        GD_FULL_CASE(0) GD_FULL_CASE(1) GD_FULL_CASE(2) GD_FULL_CASE(3) GD_FULL_CASE(4)
        GD_FULL_CASE(5) GD_FULL_CASE(6) GD_FULL_CASE(7) GD_FULL_CASE(8)
        default: return -1;
    }
}
