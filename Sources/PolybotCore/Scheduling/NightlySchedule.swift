/// "When is the next nightly run?" as a pure function of the clock.
public enum NightlySchedule {
    /// The first instant strictly after `now` (Unix seconds) at `hour:minute` UTC.
    public static func next(after now: Int64, hour: Int, minute: Int) -> Int64 {
        let day: Int64 = 86_400
        let midnight = now - ((now % day) + day) % day
        let candidate = midnight + Int64(hour) * 3_600 + Int64(minute) * 60
        return candidate > now ? candidate : candidate + day
    }
}
