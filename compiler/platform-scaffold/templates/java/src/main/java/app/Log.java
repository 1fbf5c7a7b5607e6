package app;

import java.time.Instant;

/** Structured logs: one JSON object per line on stdout, shipped by the cluster to the org's log aggregator. */
public final class Log {
  private Log() {}

  /** Writes one line; {@code kv} holds alternating keys and values (strings or numbers). */
  public static synchronized void log(String level, String msg, Object... kv) {
    StringBuilder b = new StringBuilder("{\"time\":");
    quote(b, Instant.now().toString());
    b.append(",\"level\":");
    quote(b, level);
    b.append(",\"msg\":");
    quote(b, msg);
    for (int i = 0; i + 1 < kv.length; i += 2) {
      b.append(',');
      quote(b, String.valueOf(kv[i]));
      b.append(':');
      if (kv[i + 1] instanceof Number) {
        b.append(kv[i + 1]);
      } else {
        quote(b, String.valueOf(kv[i + 1]));
      }
    }
    System.out.println(b.append('}'));
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
