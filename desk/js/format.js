// Formatting of times, durations and people for the desk (the agent's locale and zone).

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function clock(iso) {
  return iso ? timeFormat.format(new Date(iso)) : "";
}

export function dateTime(iso) {
  return iso ? dateTimeFormat.format(new Date(iso)) : "";
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** The customer as the desk names them: the contact's name, else the number. */
export function customerName(interaction) {
  return interaction?.contact?.name || interaction?.from || "Unknown customer";
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
