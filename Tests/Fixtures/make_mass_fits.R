#!/usr/bin/env Rscript
# Reference maximum-likelihood fits with standard errors from R's MASS::fitdistr, for
# Tests/PolytailTests/Fitting/FitInferenceReferenceTests.swift. Writes mass_fits.json next to
# this script. Run: Rscript Tests/Fixtures/make_mass_fits.R (needs r-base-core, r-cran-mass).
#
# fitdistr maximises the log-likelihood with optim (BFGS here, reltol 1e-15 so the optimum is
# tight) and reports sd = sqrt(diag(solve(optim's finite-difference Hessian))), vcov, logLik;
# AIC and BIC come from R's AIC()/BIC() (BIC with n = the number of observations). The normal
# fit is closed form (sd = sigma/sqrt(n), sigma/sqrt(2n)).
suppressPackageStartupMessages(library(MASS))
args <- commandArgs(trailingOnly = FALSE)
script <- sub("--file=", "", args[grep("--file=", args)])
out <- file.path(dirname(normalizePath(script)), "mass_fits.json")

num <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ","), "]")
fit_json <- function(name, data, fit, df_fixed = NA) {
  v <- vcov(fit)
  parts <- c(
    sprintf('"name":"%s"', name),
    sprintf('"data":%s', num(data)),
    sprintf('"parameters":["%s"]', paste(names(fit$estimate), collapse = '","')),
    sprintf('"estimate":%s', num(fit$estimate)),
    sprintf('"sd":%s', num(fit$sd)),
    sprintf('"vcov":[%s]', paste(apply(v, 1, num), collapse = ",")),
    sprintf('"logLik":%.17g', as.numeric(logLik(fit))),
    sprintf('"aic":%.17g', AIC(fit)),
    sprintf('"bic":%.17g', BIC(fit)),
    sprintf('"dfFixed":%s', if (is.na(df_fixed)) "null" else sprintf("%.17g", df_fixed))
  )
  paste0("{", paste(parts, collapse = ","), "}")
}

set.seed(20221130)
x_normal <- rnorm(200, mean = 3, sd = 1.5)
x_t <- 1 + 2 * rt(400, df = 4)
x_t_heavy <- -5 + 0.5 * rt(250, df = 2.5)
control <- list(reltol = 1e-15, maxit = 10000)

cases <- c(
  fit_json("normal", x_normal, fitdistr(x_normal, "normal")),
  fit_json("t_estimated_df4", x_t, fitdistr(x_t, "t", control = control)),
  fit_json("t_estimated_df2.5", x_t_heavy, fitdistr(x_t_heavy, "t", control = control)),
  fit_json("t_fixed_df4", x_t, fitdistr(x_t, "t", df = 4, control = control), df_fixed = 4)
)
writeLines(paste0('{"generator":"make_mass_fits.R, ', R.version.string, ', MASS ', packageVersion("MASS"),
                  '","fits":[', paste(cases, collapse = ","), "]}"), out)
cat("wrote", out, "\n")
