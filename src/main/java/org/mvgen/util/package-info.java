/**
 * Small helpers every stage uses: progress reporting, atomic file writes. No native code and no
 * knowledge of any pipeline stage.
 */
package org.mvgen.util;
