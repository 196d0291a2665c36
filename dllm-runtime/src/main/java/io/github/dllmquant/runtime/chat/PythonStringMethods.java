package io.github.dllmquant.runtime.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Python {@code str} methods for chat templates ({@code message.content.strip()},
 * {@code role.startswith('sys')}, {@code ' '.join(parts)}): Jinja evaluates them as Python calls,
 * Jinjava would look for Java methods of the same name. This resolver answers those calls on strings
 * and leaves everything else to Jinjava's own resolvers.
 */
final class PythonStringMethods extends ELResolver {

    private static final Set<String> METHODS = Set.of("strip", "lstrip", "rstrip", "startswith", "endswith",
            "upper", "lower", "title", "capitalize", "split", "replace", "find", "rfind", "count", "join",
            "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "splitlines");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof CharSequence) || !(method instanceof String name) || !METHODS.contains(name)) {
            return null;
        }
        Object[] p = params == null ? new Object[0] : params;
        Object result = call(base.toString(), name, p);
        context.setPropertyResolved(true);
        return result;
    }

    private static Object call(String s, String name, Object[] p) {
        return switch (name) {
            case "strip" -> rstrip(lstrip(s, arg(p, 0)), arg(p, 0));
            case "lstrip" -> lstrip(s, arg(p, 0));
            case "rstrip" -> rstrip(s, arg(p, 0));
            case "startswith" -> anyMatch(p, prefix -> s.startsWith(prefix));
            case "endswith" -> anyMatch(p, suffix -> s.endsWith(suffix));
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "split" -> split(s, arg(p, 0), p.length > 1 ? ((Number) p[1]).intValue() : -1);
            case "splitlines" -> List.of(s.split("\\r\\n|[\\n\\r\\u000B\\u000C\\u001C\\u001D\\u001E\\u0085\\u2028\\u2029]"));
            case "replace" -> replace(s, str(p, 0), str(p, 1), p.length > 2 ? ((Number) p[2]).intValue() : -1);
            case "find" -> (long) s.indexOf(str(p, 0));
            case "rfind" -> (long) s.lastIndexOf(str(p, 0));
            case "count" -> count(s, str(p, 0));
            case "join" -> join(s, p.length > 0 ? p[0] : null);
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PythonStringMethods::isSpace);
            case "isupper" -> s.codePoints().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(Locale.ROOT));
            case "islower" -> s.codePoints().anyMatch(Character::isLetter) && s.equals(s.toLowerCase(Locale.ROOT));
            default -> throw new IllegalStateException("unhandled method " + name);
        };
    }

    private static String arg(Object[] p, int i) {
        return p.length > i && p[i] != null ? p[i].toString() : null;
    }

    private static String str(Object[] p, int i) {
        if (p.length <= i || p[i] == null) {
            throw new IllegalArgumentException("missing argument " + (i + 1));
        }
        return p[i].toString();
    }

    /** Python's str.isspace (Unicode whitespace, including the separators U+001C..U+001F). */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    private static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && stripped(s.codePointAt(i), chars)) {
            i += Character.charCount(s.codePointAt(i));
        }
        return s.substring(i);
    }

    private static String rstrip(String s, String chars) {
        int e = s.length();
        while (e > 0 && stripped(s.codePointBefore(e), chars)) {
            e -= Character.charCount(s.codePointBefore(e));
        }
        return s.substring(0, e);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0;
    }

    /** startswith/endswith take a string or a tuple (list) of strings. */
    private static boolean anyMatch(Object[] p, java.util.function.Predicate<String> test) {
        if (p.length == 0 || p[0] == null) {
            throw new IllegalArgumentException("missing argument 1");
        }
        if (p[0] instanceof Collection<?> options) {
            for (Object o : options) {
                if (o != null && test.test(o.toString())) {
                    return true;
                }
            }
            return false;
        }
        return test.test(p[0].toString());
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            sb.appendCodePoint(previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            previousCased = Character.isLetter(cp);
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    private static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(rstrip(s.substring(i), null));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int start = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int k = s.indexOf(sep, start);
            if (k < 0) {
                break;
            }
            out.add(s.substring(start, k));
            start = k + sep.length();
        }
        out.add(s.substring(start));
        return out;
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder sb = new StringBuilder();
        int start = 0;
        for (int done = 0; done < count; done++) {
            int k = s.indexOf(old, start);
            if (k < 0) {
                break;
            }
            sb.append(s, start, k).append(replacement);
            start = k + old.length();
            if (old.isEmpty()) {
                if (start < s.length()) {
                    sb.append(s.charAt(start));
                }
                start++;
            }
        }
        if (start <= s.length()) {
            sb.append(s.substring(Math.min(start, s.length())));
        }
        return sb.toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1L;
        }
        long n = 0;
        for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String sep, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> it) {
            for (Object o : it) {
                parts.add(String.valueOf(o));
            }
        } else if (items instanceof CharSequence cs) {
            cs.codePoints().forEach(cp -> parts.add(new String(Character.toChars(cp))));
        } else {
            throw new IllegalArgumentException("join expects a list");
        }
        return String.join(sep, parts);
    }

    // Only method calls are handled here; property access stays with Jinjava's resolvers.

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // not handled: the composite resolver moves on
    }
}
