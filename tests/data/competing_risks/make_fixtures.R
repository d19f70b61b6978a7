# Writes the competing-risks fixtures the unit tests read (tests/test_competing_risks.cpp), from R's cmprsk
# (cuminc: the Aalen-Johansen cumulative incidence and Gray's variance) and survival (survfit with a multi-state
# factor: the same estimates by another program, and the Kaplan-Meier of the time to close).
#
#   Rscript tests/data/competing_risks/make_fixtures.R     (from the repository root; Debian: r-cran-cmprsk)
#
# leads.csv     group,days,status     status: 0 = still open (censored), 1 = closed won, 2 = closed lost
# cuminc.csv    group,cause,days,estimate,variance     cause 1 = won, 2 = lost; one row per distinct time of the
#               cause's own events, the values just after the jump
# survfit.csv   group,days,survival,won,lost     survfit's P(open), P(won), P(lost) at every distinct time of any
#               close (won or lost), from the multi-state fit
#
# Times are whole days drawn from a short range, so ties are many: won with won, won with lost, and closes with
# censoring at one time. Group "c" ends with a won close at its largest time, group "d" has every lead closed.
suppressPackageStartupMessages({
  library(cmprsk)
  library(survival)
})
out <- if (length(commandArgs(TRUE)) > 0) commandArgs(TRUE)[1] else "tests/data/competing_risks"
set.seed(20261207)
make_group <- function(name, n, max_days, p) {
  data.frame(group = name, days = sample(0:max_days, n, replace = TRUE),
             status = sample(0:2, n, replace = TRUE, prob = p))
}
leads <- rbind(
  make_group("a", 60, 25, c(0.3, 0.3, 0.4)),
  make_group("b", 35, 12, c(0.5, 0.2, 0.3)),
  data.frame(group = "c", days = c(1, 1, 2, 3, 3, 3, 5, 8, 8, 9), status = c(1, 0, 2, 1, 2, 0, 0, 2, 1, 1)),
  data.frame(group = "d", days = c(0, 2, 2, 4, 4, 4, 7), status = c(1, 2, 1, 1, 1, 2, 2))
)
write.csv(leads, file.path(out, "leads.csv"), row.names = FALSE, quote = FALSE)

fit <- cuminc(leads$days, leads$status, leads$group, cencode = 0)
rows <- list()
for (nm in names(fit)) {
  if (nm == "Tests") next
  parts <- strsplit(nm, " ")[[1]]
  curve <- fit[[nm]]
  # cuminc lists the corners of the step function: (0, 0), then the values before and after each jump, then the
  # last follow-up time. A time listed more than once is a jump; its last row holds the value after the jump.
  counts <- table(curve$time)
  jumps <- as.numeric(names(counts)[counts > 1])
  keep <- sapply(jumps, function(t) max(which(curve$time == t)))
  rows[[nm]] <- data.frame(group = parts[1], cause = parts[2], days = curve$time[keep],
                           estimate = sprintf("%.17g", curve$est[keep]),
                           variance = sprintf("%.17g", curve$var[keep]))
}
cif <- do.call(rbind, rows)
write.csv(cif, file.path(out, "cuminc.csv"), row.names = FALSE, quote = FALSE)

ms <- survfit(Surv(days, factor(status, 0:2, c("open", "won", "lost"))) ~ group, data = leads)
sm <- summary(ms)
states <- ms$states
mstab <- data.frame(group = sub("group=", "", as.character(sm$strata)), days = sm$time,
                    survival = sprintf("%.17g", sm$pstate[, which(states %in% c("(s0)", "open"))]),
                    won = sprintf("%.17g", sm$pstate[, which(states == "won")]),
                    lost = sprintf("%.17g", sm$pstate[, which(states == "lost")]))
# Only the times of a close (won or lost) in the group.
closes <- paste(leads$group, leads$days)[leads$status != 0]
mstab <- mstab[paste(mstab$group, mstab$days) %in% closes, ]
write.csv(mstab, file.path(out, "survfit.csv"), row.names = FALSE, quote = FALSE)

# The two programs agree with each other before the tests compare against either.
for (i in seq_len(nrow(cif))) {
  r <- cif[i, ]
  m <- mstab[mstab$group == r$group & mstab$days == r$days, ]
  stopifnot(nrow(m) == 1)
  col <- if (r$cause == "1") m$won else m$lost
  stopifnot(abs(as.numeric(col) - as.numeric(r$estimate)) < 1e-12)
}
cat("wrote", nrow(leads), "leads,", nrow(cif), "cuminc rows,", nrow(mstab), "survfit rows to", out, "\n")
