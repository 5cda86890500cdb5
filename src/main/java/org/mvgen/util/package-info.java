/**
 * Small helpers every stage uses: progress reporting, atomic file writes, folder locks that name
 * their holder. No native code and no knowledge of any pipeline stage.
 */
package org.mvgen.util;
