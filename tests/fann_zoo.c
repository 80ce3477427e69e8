/* A zoo of network files written by FANN 2.2 itself, for tests/test_fann_zoo.py.

   Built twice by the test, against Debian's libfann-dev:
     cc -O1 fann_zoo.c -lfloatfann -lm              -> the float program (modes make, run)
     cc -O1 -DZOO_FIXED fann_zoo.c -lfixedfann -lm  -> the fixed-point program (mode run only)

   make DIR         writes every network of the catalogue below into DIR: NAME.net (fann_save), NAME.in (the
                    inputs, one row per line, exact for float32) and NAME.out (FANN's outputs for them, from the
                    file read back by fann_create_from_file (FANN writes scaling parameters with 6 decimals, so
                    the file's network is not quite the one in memory): fann_run, or for a network with scaling parameters fann_scale_input ->
                    fann_run -> fann_descale_output). Networks flagged "fixed" are also saved by
                    fann_save_to_fixed as NAME.fix.net.
   run NET IN       loads NET with fann_create_from_file and prints, per row of IN, the outputs as above (the
                    fixed-point program: inputs times the multiplier, outputs as the integers fann_run gives,
                    after a line "multiplier M"), then one line "settings ..." of FANN's getters.

   The catalogue: every ZOO(...) call below, ZOO(ann, "name", "category", "flags"); test_fann_zoo.py reads the
   names, categories and flags from this source (flags: stepwise, mix = needs fastnet's stepwise functions
   / per-neuron activation mixes; fixed = also fann_save_to_fixed; canon = fastnet writes FANN's own neurons and
   weights back). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef ZOO_FIXED
#include <fixedfann.h>
#else
#include <floatfann.h>
#endif

#define ROWS 16
#define MAXIO 16

static void print_settings(struct fann *ann)
{
    unsigned int i;
    printf("settings algo=%d errf=%d stopf=%d bitlimit=%.9g lr=%.9g mom=%.9g qdecay=%.9g qmu=%.9g "
           "rinc=%.9g rdec=%.9g rmin=%.9g rmax=%.9g rzero=%.9g cocf=%.9g cose=%u cccf=%.9g ccse=%u cmaxo=%u "
           "cmino=%u cmaxc=%u cminc=%u cgroups=%u climit=%.9g cwm=%.9g cfuncs=",
           (int)fann_get_training_algorithm(ann), (int)fann_get_train_error_function(ann),
           (int)fann_get_train_stop_function(ann), (double)fann_get_bit_fail_limit(ann),
           (double)fann_get_learning_rate(ann), (double)fann_get_learning_momentum(ann),
           (double)fann_get_quickprop_decay(ann), (double)fann_get_quickprop_mu(ann),
           (double)fann_get_rprop_increase_factor(ann), (double)fann_get_rprop_decrease_factor(ann),
           (double)fann_get_rprop_delta_min(ann), (double)fann_get_rprop_delta_max(ann),
           (double)fann_get_rprop_delta_zero(ann), (double)fann_get_cascade_output_change_fraction(ann),
           fann_get_cascade_output_stagnation_epochs(ann), (double)fann_get_cascade_candidate_change_fraction(ann),
           fann_get_cascade_candidate_stagnation_epochs(ann), fann_get_cascade_max_out_epochs(ann),
           fann_get_cascade_min_out_epochs(ann), fann_get_cascade_max_cand_epochs(ann),
           fann_get_cascade_min_cand_epochs(ann), fann_get_cascade_num_candidate_groups(ann),
           (double)fann_get_cascade_candidate_limit(ann), (double)fann_get_cascade_weight_multiplier(ann));
    for (i = 0; i < fann_get_cascade_activation_functions_count(ann); i++)
        printf("%d,", (int)fann_get_cascade_activation_functions(ann)[i]);
    printf(" csteep=");
    for (i = 0; i < fann_get_cascade_activation_steepnesses_count(ann); i++)
        printf("%.9g,", (double)fann_get_cascade_activation_steepnesses(ann)[i]);
    printf(" nettype=%d rate=%.9g\n", (int)fann_get_network_type(ann), (double)fann_get_connection_rate(ann));
}

#ifndef ZOO_FIXED
/* ---------------------------------------------------------------------------------------------- the catalogue */
static const char *dir;
static struct fann_train_data *small, *big;  /* inputs in [-1, 1], targets in [-0.8, 0.8]; far from that */

/* The inputs: ROWS deterministic rows in [-0.95, 0.95] (or about the big data's inputs, for scaled networks). */
static void inputs(struct fann *ann, float x[ROWS][MAXIO])
{
    unsigned int r, j, ni = fann_get_num_input(ann);
    int scaled = ann->scale_mean_in != NULL;
    for (r = 0; r < ROWS; r++)
        for (j = 0; j < ni; j++) {
            double s = sin(1.3 * r + 0.7 * j + 0.2);
            x[r][j] = (float)(scaled ? (j == 0 ? 5.0 + 3.0 * s : j == 1 ? -50.0 + 20.0 * s : 0.5 * s) : 0.95 * s);
        }
}

static void ZOO(struct fann *ann, const char *name, const char *category, const char *flags)
{
    char path[4096];
    float x[ROWS][MAXIO];
    unsigned int r, j, no = fann_get_num_output(ann);
    FILE *fin, *fout;
    (void)category;
    if (!ann) { fprintf(stderr, "%s: no network\n", name); exit(3); }
    snprintf(path, sizeof path, "%s/%s.net", dir, name);
    if (fann_save(ann, path) != 0) { fprintf(stderr, "%s: fann_save failed\n", name); exit(4); }
    if (strstr(flags, "fixed")) {
        snprintf(path, sizeof path, "%s/%s.fix.net", dir, name);
        if (fann_save_to_fixed(ann, path) < 0) { fprintf(stderr, "%s: fann_save_to_fixed failed\n", name); exit(4); }
    }
    inputs(ann, x);
    fann_destroy(ann);  /* the outputs are those of the file, as fann_create_from_file reads it back */
    snprintf(path, sizeof path, "%s/%s.net", dir, name);
    ann = fann_create_from_file(path);
    if (!ann) { fprintf(stderr, "%s: FANN cannot load its own file\n", name); exit(4); }
    snprintf(path, sizeof path, "%s/%s.in", dir, name);
    fin = fopen(path, "w");
    snprintf(path, sizeof path, "%s/%s.out", dir, name);
    fout = fopen(path, "w");
    if (!fin || !fout) exit(5);
    for (r = 0; r < ROWS; r++) {
        fann_type in[MAXIO], y[MAXIO], *out;
        for (j = 0; j < fann_get_num_input(ann); j++) {
            in[j] = x[r][j];
            fprintf(fin, "%.9g ", (double)x[r][j]);
        }
        fprintf(fin, "\n");
        if (ann->scale_mean_in) fann_scale_input(ann, in);
        out = fann_run(ann, in);
        memcpy(y, out, sizeof(fann_type) * no);
        if (ann->scale_mean_in) fann_descale_output(ann, y);
        for (j = 0; j < no; j++) fprintf(fout, "%.9g ", (double)y[j]);
        fprintf(fout, "\n");
    }
    fclose(fin);
    fclose(fout);
    fann_destroy(ann);
}

static struct fann *standard(unsigned int hidden_f, unsigned int output_f)
{
    struct fann *ann = fann_create_standard(3, 3, 5, 2);
    fann_set_activation_function_hidden(ann, (enum fann_activationfunc_enum)hidden_f);
    fann_set_activation_function_output(ann, (enum fann_activationfunc_enum)output_f);
    fann_randomize_weights(ann, -1.0f, 1.0f);
    return ann;
}

static void write_data(const char *name, int far)
{
    char path[4096];
    FILE *f;
    int i;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (!f) exit(5);
    fprintf(f, "40 3 2\n");
    for (i = 0; i < 40; i++) {
        double a = sin(0.9 * i), b = cos(1.7 * i + 0.3), c = sin(2.3 * i + 1.1);
        if (far)
            fprintf(f, "%.6f %.6f %.6f\n%.6f %.6f\n", 5 + 3 * a, -50 + 20 * b, 0.5 * c, 100 + 30 * a * b,
                    -20 + 5 * c);
        else
            fprintf(f, "%.6f %.6f %.6f\n%.6f %.6f\n", 0.9 * a, 0.9 * b, 0.9 * c, 0.8 * sin(a + b - c),
                    0.7 * a * b);
    }
    fclose(f);
}

static void make(void)
{
    static const char *names[18] = {
        "linear", "threshold", "threshold_symmetric", "sigmoid", "sigmoid_stepwise", "sigmoid_symmetric",
        "sigmoid_symmetric_stepwise", "gaussian", "gaussian_symmetric", "gaussian_stepwise", "elliot",
        "elliot_symmetric", "linear_piece", "linear_piece_symmetric", "sin_symmetric", "cos_symmetric", "sin",
        "cos"};
    unsigned int f;
    char name[256];
    struct fann *ann;
    const enum fann_activationfunc_enum SYM = FANN_SIGMOID_SYMMETRIC;
    const enum fann_train_enum algos[5] = {FANN_TRAIN_INCREMENTAL, FANN_TRAIN_BATCH, FANN_TRAIN_RPROP,
                                           FANN_TRAIN_QUICKPROP, FANN_TRAIN_SARPROP};
    static const char *algo_names[5] = {"incremental", "batch", "rprop", "quickprop", "sarprop"};
    char path[4096];

    write_data("small.data", 0);
    write_data("big.data", 1);
    snprintf(path, sizeof path, "%s/small.data", dir);
    small = fann_read_train_from_file(path);
    snprintf(path, sizeof path, "%s/big.data", dir);
    big = fann_read_train_from_file(path);
    if (!small || !big) exit(6);

    /* ---- every activation function, in the hidden layer and in the output layer (36 files) */
    for (f = 0; f < 18; f++) {
        const char *flags = (f == 4 || f == 6 || f == 9) ? "stepwise" : "";
        ann = standard(f, SYM);
        fann_set_activation_steepness_hidden(ann, 0.75f);
        snprintf(name, sizeof name, "act_hidden_%s", names[f]);
        ZOO(ann, name, "activation", flags);
        ann = standard(SYM, f);
        fann_set_activation_steepness_output(ann, 0.75f);
        snprintf(name, sizeof name, "act_output_%s", names[f]);
        ZOO(ann, name, "activation", flags);
    }
    /* FANN's defaults: FANN_SIGMOID_STEPWISE everywhere, steepness 0.5 */
    ann = fann_create_standard(3, 3, 5, 2);
    fann_randomize_weights(ann, -1.0f, 1.0f);
    ZOO(ann, "default_standard", "activation", "stepwise");

    /* ---- steepness: per layer (hidden/output/layer setters) and per neuron */
    ann = standard(FANN_SIGMOID, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_steepness_hidden(ann, 0.3f);
    fann_set_activation_steepness_output(ann, 1.7f);
    ZOO(ann, "steep_layers_sigmoid", "steepness", "");
    ann = fann_create_standard(4, 3, 4, 3, 2);
    fann_set_activation_function_hidden(ann, FANN_GAUSSIAN);
    fann_set_activation_function_output(ann, FANN_LINEAR);
    fann_set_activation_steepness_layer(ann, 0.4f, 1);
    fann_set_activation_steepness_layer(ann, 2.5f, 2);
    fann_set_activation_steepness_layer(ann, 0.125f, 3);
    fann_randomize_weights(ann, -1.0f, 1.0f);
    ZOO(ann, "steep_layers_deep", "steepness", "");
    {
        static const unsigned int per_neuron_f[4] = {FANN_SIGMOID, FANN_SIGMOID_SYMMETRIC, FANN_ELLIOT_SYMMETRIC,
                                                     FANN_SIN};
        for (f = 0; f < 4; f++) {
            unsigned int n;
            ann = standard(per_neuron_f[f], per_neuron_f[f] == FANN_SIN ? FANN_LINEAR : FANN_SIGMOID);
            for (n = 0; n < 5; n++) fann_set_activation_steepness(ann, 0.2f + 0.35f * n, 1, (int)n);
            fann_set_activation_steepness(ann, 0.9f, 2, 0);
            fann_set_activation_steepness(ann, 1.6f, 2, 1);
            snprintf(name, sizeof name, "steep_neurons_%s", names[per_neuron_f[f]]);
            ZOO(ann, name, "steepness", "");
        }
        ann = standard(FANN_SIGMOID_SYMMETRIC_STEPWISE, FANN_SIGMOID_STEPWISE);
        for (f = 0; f < 5; f++) fann_set_activation_steepness(ann, 0.25f + 0.3f * f, 1, (int)f);
        ZOO(ann, "steep_neurons_stepwise", "steepness", "stepwise");
    }

    /* ---- per-neuron activation functions: layers that mix them */
    ann = standard(FANN_SIGMOID, FANN_LINEAR);
    fann_set_activation_function(ann, FANN_SIGMOID_SYMMETRIC, 1, 1);
    fann_set_activation_function(ann, FANN_GAUSSIAN, 1, 2);
    fann_set_activation_function(ann, FANN_ELLIOT, 1, 3);
    fann_set_activation_function(ann, FANN_SIN_SYMMETRIC, 1, 4);
    fann_set_activation_function(ann, FANN_SIGMOID_SYMMETRIC, 2, 1);
    ZOO(ann, "mix_hidden_output", "mix", "mix");
    ann = standard(FANN_SIGMOID_SYMMETRIC, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function(ann, FANN_LINEAR_PIECE_SYMMETRIC, 1, 0);
    fann_set_activation_function(ann, FANN_COS, 1, 4);
    fann_set_activation_steepness(ann, 1.3f, 1, 4);
    ZOO(ann, "mix_hidden_steep", "mix", "mix");
    ann = standard(FANN_SIGMOID, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function(ann, FANN_SIGMOID_STEPWISE, 1, 2);
    fann_set_activation_function(ann, FANN_SIGMOID_SYMMETRIC_STEPWISE, 2, 0);
    ZOO(ann, "mix_stepwise", "mix", "mix,stepwise");

    /* ---- sparse: connection rate below 1 */
    {
        static const float rates[4] = {0.5f, 0.7f, 0.3f, 0.85f};
        for (f = 0; f < 4; f++) {
            ann = fann_create_sparse(rates[f], 4, 3, 6, 4, 2);
            fann_set_activation_function_hidden(ann, f % 2 ? FANN_SIGMOID : FANN_SIGMOID_SYMMETRIC);
            fann_set_activation_function_output(ann, f < 2 ? FANN_LINEAR : FANN_SIGMOID_SYMMETRIC);
            fann_set_activation_steepness_hidden(ann, f % 2 ? 0.5f : 1.0f);
            fann_set_activation_steepness_output(ann, 1.0f);
            fann_randomize_weights(ann, -1.0f, 1.0f);
            snprintf(name, sizeof name, "sparse_%02d", (int)(rates[f] * 100 + 0.5f));
            ZOO(ann, name, "sparse", "");
        }
    }

    /* ---- shortcut: fann_create_shortcut, and grown by cascade training */
    ann = fann_create_shortcut(3, 3, 4, 2);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_LINEAR);
    fann_randomize_weights(ann, -1.0f, 1.0f);
    ZOO(ann, "shortcut_3_4_2", "shortcut", "");
    ann = fann_create_shortcut(4, 3, 3, 2, 2);
    fann_set_activation_function_hidden(ann, FANN_GAUSSIAN);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_activation_steepness_hidden(ann, 0.8f);
    fann_set_activation_steepness_output(ann, 0.5f);
    fann_set_activation_steepness(ann, 1.4f, 2, 1);
    fann_randomize_weights(ann, -1.0f, 1.0f);
    ZOO(ann, "shortcut_deep", "shortcut", "");
    ann = fann_create_shortcut(3, 3, 4, 2);
    fann_randomize_weights(ann, -1.0f, 1.0f);
    ZOO(ann, "shortcut_default", "shortcut", "stepwise");
    ann = fann_create_shortcut(2, 3, 2);
    fann_set_activation_function_output(ann, FANN_SIGMOID_SYMMETRIC);
    fann_cascadetrain_on_data(ann, small, 4, 0, 0.0f);
    ZOO(ann, "cascade_trained", "shortcut", "");
    ann = fann_create_shortcut(2, 3, 2);
    fann_set_activation_function_output(ann, FANN_LINEAR);
    fann_set_training_algorithm(ann, FANN_TRAIN_QUICKPROP);
    fann_set_cascade_output_change_fraction(ann, 0.02f);
    fann_set_cascade_candidate_change_fraction(ann, 0.03f);
    fann_set_cascade_output_stagnation_epochs(ann, 9);
    fann_set_cascade_candidate_stagnation_epochs(ann, 11);
    fann_set_cascade_max_out_epochs(ann, 120);
    fann_set_cascade_min_out_epochs(ann, 30);
    fann_set_cascade_max_cand_epochs(ann, 140);
    fann_set_cascade_min_cand_epochs(ann, 40);
    fann_set_cascade_num_candidate_groups(ann, 3);
    fann_set_cascade_weight_multiplier(ann, 0.3f);
    fann_set_cascade_candidate_limit(ann, 500.0f);
    {
        enum fann_activationfunc_enum funcs[3] = {FANN_SIGMOID_SYMMETRIC, FANN_ELLIOT_SYMMETRIC, FANN_SIN};
        fann_type steeps[2] = {0.5f, 1.25f};
        fann_set_cascade_activation_functions(ann, funcs, 3);
        fann_set_cascade_activation_steepnesses(ann, steeps, 2);
    }
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
    fann_set_train_stop_function(ann, FANN_STOPFUNC_BIT);
    fann_set_bit_fail_limit(ann, 0.2f);
    fann_cascadetrain_on_data(ann, small, 3, 0, 0.0f);
    ZOO(ann, "cascade_params", "shortcut", "");

    /* ---- scaling parameters (fann_set_scaling_params and its halves) */
    ann = standard(FANN_SIGMOID_SYMMETRIC, FANN_LINEAR);
    fann_set_scaling_params(ann, big, -1.0f, 1.0f, -0.8f, 0.8f);
    ZOO(ann, "scale_both", "scaling", "");
    ann = standard(FANN_SIGMOID, FANN_SIGMOID);
    fann_set_input_scaling_params(ann, big, -0.5f, 0.5f);
    ZOO(ann, "scale_input", "scaling", "");
    ann = standard(FANN_SIGMOID_SYMMETRIC, FANN_SIGMOID_SYMMETRIC);
    fann_set_output_scaling_params(ann, big, -0.9f, 0.9f);
    ZOO(ann, "scale_output", "scaling", "");
    ann = standard(FANN_ELLIOT_SYMMETRIC, FANN_LINEAR);
    fann_set_scaling_params(ann, big, -1.0f, 1.0f, -1.0f, 1.0f);
    fann_scale_train(ann, big);
    fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
    fann_train_on_data(ann, big, 30, 0, 0.0f);
    fann_descale_train(ann, big);
    ZOO(ann, "scale_trained", "scaling", "");
    ann = fann_create_shortcut(3, 3, 3, 2);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_LINEAR);
    fann_randomize_weights(ann, -1.0f, 1.0f);
    fann_set_scaling_params(ann, big, -1.0f, 1.0f, -0.5f, 0.5f);
    ZOO(ann, "scale_shortcut", "scaling", "");

    /* ---- training algorithms, error and stop functions, bit-fail limits: untrained and trained */
    for (f = 0; f < 5; f++) {
        ann = standard(FANN_SIGMOID_SYMMETRIC, FANN_SIGMOID_SYMMETRIC);
        fann_set_training_algorithm(ann, algos[f]);
        snprintf(name, sizeof name, "train_%s_untrained", algo_names[f]);
        ZOO(ann, name, "training", "");
        ann = standard(FANN_SIGMOID_SYMMETRIC, f % 2 ? FANN_LINEAR : FANN_SIGMOID_SYMMETRIC);
        fann_set_training_algorithm(ann, algos[f]);
        fann_set_learning_rate(ann, 0.1f + 0.15f * f);
        fann_set_learning_momentum(ann, f < 2 ? 0.4f : 0.0f);
        fann_set_train_error_function(ann, f % 2 ? FANN_ERRORFUNC_LINEAR : FANN_ERRORFUNC_TANH);
        fann_set_train_stop_function(ann, f % 2 ? FANN_STOPFUNC_BIT : FANN_STOPFUNC_MSE);
        fann_set_bit_fail_limit(ann, 0.05f * (f + 1));
        fann_set_quickprop_decay(ann, -0.0002f);
        fann_set_quickprop_mu(ann, 2.0f);
        fann_set_rprop_increase_factor(ann, 1.1f);
        fann_set_rprop_decrease_factor(ann, 0.6f);
        fann_set_rprop_delta_min(ann, 0.001f);
        fann_set_rprop_delta_max(ann, 20.0f);
        fann_set_rprop_delta_zero(ann, 0.05f);
        fann_train_on_data(ann, small, 25, 0, 0.0f);
        snprintf(name, sizeof name, "train_%s_trained", algo_names[f]);
        ZOO(ann, name, "training", "");
    }
    ann = standard(FANN_SIGMOID, FANN_SIGMOID);
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
    fann_set_train_stop_function(ann, FANN_STOPFUNC_BIT);
    fann_set_bit_fail_limit(ann, 0.01f);
    ZOO(ann, "train_errlinear_stopbit", "training", "");
    ann = standard(FANN_SIGMOID_SYMMETRIC, FANN_LINEAR);
    fann_set_cascade_max_out_epochs(ann, 77);
    fann_set_cascade_num_candidate_groups(ann, 5);
    fann_set_cascade_weight_multiplier(ann, 0.25f);
    fann_set_cascade_candidate_limit(ann, 250.0f);
    fann_set_bit_fail_limit(ann, 1.5f);
    ZOO(ann, "train_cascade_params_layered", "training", "");

    /* ---- fixed point: fann_save_to_fixed beside fann_save (the float file is in the zoo too) */
    ann = standard(FANN_LINEAR, FANN_LINEAR);
    fann_set_activation_steepness_hidden(ann, 1.0f);
    fann_set_activation_steepness_output(ann, 1.0f);
    ZOO(ann, "fixed_linear", "fixed", "fixed,canon");
    ann = standard(FANN_SIGMOID, FANN_SIGMOID);
    ZOO(ann, "fixed_sigmoid", "fixed", "fixed,canon");
    ann = standard(FANN_SIGMOID_SYMMETRIC, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_steepness_hidden(ann, 1.0f);
    fann_set_activation_steepness_output(ann, 1.0f);
    ZOO(ann, "fixed_symmetric", "fixed", "fixed,canon");
    ann = standard(FANN_THRESHOLD_SYMMETRIC, FANN_LINEAR);
    fann_set_activation_steepness_hidden(ann, 1.0f);
    fann_set_activation_steepness_output(ann, 1.0f);
    ZOO(ann, "fixed_threshold", "fixed", "fixed,canon");
    /* (FANN's fixed-point fann_run ignores a FANN_LINEAR neuron's steepness: linear neurons get steepness 1) */
    ann = standard(FANN_SIGMOID_SYMMETRIC, FANN_LINEAR);  /* hidden steepness 0.5: fastnet writes it folded */
    fann_set_activation_steepness_output(ann, 1.0f);
    ZOO(ann, "fixed_folded", "fixed", "fixed");
    ann = fann_create_standard(3, 3, 5, 2);  /* FANN's defaults: stepwise */
    fann_randomize_weights(ann, -1.0f, 1.0f);
    ZOO(ann, "fixed_default", "fixed", "fixed,stepwise");
    ann = fann_create_sparse(0.6f, 3, 3, 6, 2);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_steepness_hidden(ann, 1.0f);
    fann_set_activation_steepness_output(ann, 1.0f);
    fann_randomize_weights(ann, -1.0f, 1.0f);
    ZOO(ann, "fixed_sparse", "fixed", "fixed");
    ann = fann_create_shortcut(3, 3, 3, 2);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_LINEAR);
    fann_set_activation_steepness_output(ann, 1.0f);
    fann_randomize_weights(ann, -1.0f, 1.0f);
    ZOO(ann, "fixed_shortcut", "fixed", "fixed,canon");
    ann = standard(FANN_SIGMOID_SYMMETRIC, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_steepness_hidden(ann, 1.0f);
    fann_set_activation_steepness_output(ann, 1.0f);
    fann_train_on_data(ann, small, 50, 0, 0.0f);
    ZOO(ann, "fixed_trained", "fixed", "fixed,canon");

    fann_destroy_train(small);
    fann_destroy_train(big);
}
#endif

/* ------------------------------------------------------------------------------------------------- run */
static int run(const char *net, const char *inputs_path)
{
    struct fann *ann = fann_create_from_file(net);
    FILE *fin = fopen(inputs_path, "r");
    unsigned int j, ni, no;
    if (!ann || !fin) return 2;
    ni = fann_get_num_input(ann);
    no = fann_get_num_output(ann);
#ifdef ZOO_FIXED
    printf("multiplier %u\n", fann_get_multiplier(ann));
#endif
    for (;;) {
        fann_type x[MAXIO], y[MAXIO], *out;
        for (j = 0; j < ni; j++) {
            double v;
            if (fscanf(fin, "%lf", &v) != 1) goto done;
#ifdef ZOO_FIXED
            x[j] = (fann_type)floor(v * fann_get_multiplier(ann) + 0.5);
#else
            x[j] = (fann_type)v;
#endif
        }
#ifndef ZOO_FIXED
        if (ann->scale_mean_in) fann_scale_input(ann, x);
#endif
        out = fann_run(ann, x);
        memcpy(y, out, sizeof(fann_type) * no);
#ifndef ZOO_FIXED
        if (ann->scale_mean_in) fann_descale_output(ann, y);
        for (j = 0; j < no; j++) printf("%.9g ", (double)y[j]);
#else
        for (j = 0; j < no; j++) printf("%d ", (int)y[j]);
#endif
        printf("\n");
    }
done:
    print_settings(ann);
    fclose(fin);
    fann_destroy(ann);
    return 0;
}

int main(int argc, char **argv)
{
#ifndef ZOO_FIXED
    if (argc == 3 && strcmp(argv[1], "make") == 0) {
        dir = argv[2];
        make();
        return 0;
    }
#endif
    if (argc == 4 && strcmp(argv[1], "run") == 0) return run(argv[2], argv[3]);
    fprintf(stderr, "usage: %s make DIR | run NET INPUTS\n", argv[0]);
    return 1;
}
