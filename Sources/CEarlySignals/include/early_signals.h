#ifndef POLYBOT_EARLY_SIGNALS_H
#define POLYBOT_EARLY_SIGNALS_H

/// The SIGTERM or SIGINT that reached `polybot serve` before Swift code could trap it (0 when none).
int polybot_early_signal(void);

#endif
